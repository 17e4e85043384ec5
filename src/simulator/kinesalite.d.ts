// kinesalite ships no types; the demo uses only its server factory.
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  const kinesalite: (options?: Record<string, unknown>) => Server;
  export default kinesalite;
}

// Its store module: the demo keeps the store to trim old records (local-kinesis.ts).
declare module 'kinesalite/db/index.js' {
  const db: unknown;
  export default db;
}
