/**
 * `npm run dashboards [-- DIR]`: writes the generated dashboards to DIR
 * (default grafana/dashboards of this checkout).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root.js';
import { renderDashboards } from './dashboards.js';

const dir = process.argv[2] ?? join(REPO_ROOT, 'grafana', 'dashboards');
mkdirSync(dir, { recursive: true });
for (const [file, text] of renderDashboards()) {
  writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote ${join(dir, file)}\n`);
}
