/**
 * `npm run docs`: writes docs/metrics.md and docs/configuration.md of this
 * checkout from the metric catalog and the configuration schema.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root.js';
import { renderConfigurationReference } from './configuration-reference.js';
import { renderMetricsReference } from './metrics-reference.js';

for (const [file, text] of [
  ['docs/metrics.md', renderMetricsReference()],
  ['docs/configuration.md', renderConfigurationReference()],
] as const) {
  writeFileSync(join(REPO_ROOT, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
