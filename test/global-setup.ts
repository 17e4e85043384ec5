/**
 * Tests that run the CLI run the built `dist/`. When a source file is newer
 * than the build (a test run straight after an edit, without `npm run
 * build`), build first, so no test judges stale code.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** The newest modification time of the files under `dir` whose names end with `suffix`; 0 when none. */
function newest(dir: string, suffix: string): number {
  let latest = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, suffix));
    else if (entry.name.endsWith(suffix)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const sources = Math.max(
    newest(join(ROOT, 'src'), '.ts'),
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
  );
  const built = newest(join(ROOT, 'dist'), '.js');
  if (built < sources) build();
  // Executable, as `npm run build` leaves it: the README test runs it as an installed bin.
  const cli = join(ROOT, 'dist/cli.js');
  if (existsSync(cli)) chmodSync(cli, 0o755);
}

function build(): void {
  process.stderr.write('dist/ is older than src/: building it first (npm run build)\n');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
