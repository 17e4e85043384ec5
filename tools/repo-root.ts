/**
 * The repository root, found from this file's own location (the sources under
 * tools/ or their build under dist-tools/), never from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name ===
        'ecs-events-exporter'
    )
      return dir;
    if (dirname(dir) === dir) throw new Error('not inside the ecs-events-exporter repository');
  }
}

export const REPO_ROOT = findRepoRoot();

/** The exporter as it ships: the build of src/ in dist/ (`npm run build`). */
export const EXPORTER_CLI = join(REPO_ROOT, 'dist', 'cli.js');
