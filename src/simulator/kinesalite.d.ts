// kinesalite ships no types; the demo uses only its server factory.
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  const kinesalite: (options?: Record<string, unknown>) => Server;
  export default kinesalite;
}
