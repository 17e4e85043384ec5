/**
 * `node dist/dashboards/generate.js [DIR]`: writes the generated dashboards
 * to DIR (default grafana/dashboards of this checkout).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDashboards } from './dashboards.js';

const dir = process.argv[2] ?? fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const [file, text] of renderDashboards()) {
  writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote ${join(dir, file)}\n`);
}
