/** The exporter's HTTP server on 127.0.0.1 serving one counting (or whichever a test shows now). */
import type { Counting } from '../../src/counting.js';
import { type RunningServer, startServer } from '../../src/http/server.js';
import { silentLogger } from './exposition.js';

export function startPageServer(shown: () => Counting): Promise<RunningServer> {
  return startServer(
    {
      render: (format, onChunk, keep) => shown().render(format, onChunk, keep),
      health: () => ({ ok: true, reason: 'test' }),
      readiness: () => ({ ok: true, reason: 'test' }),
      recentFailures: () => shown().failurePage(),
    },
    { host: '127.0.0.1', port: 0 },
    silentLogger,
  );
}
