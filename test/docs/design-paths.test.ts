/**
 * docs/design.md names files and folders as they are: every path it quotes
 * exists in the repository, so a move or a rename fails here until the notes
 * follow. No server is started.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const design = readFileSync(`${ROOT}docs/design.md`, 'utf8');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);

/** Quoted paths: a code span that ends in a source file's name or a folder's slash. */
const quoted = [
  ...new Set(
    [...design.matchAll(/`([A-Za-z0-9_.\-/]+(?:\.ts|\/))`/g)]
      .map(([, path]) => path as string)
      .filter((path) => path.includes('/') || path.endsWith('.ts')),
  ),
];

/** What the build writes, which git does not track. */
const BUILT = ['dist/', 'dist-tools/'];

/** A path names a tracked file or folder when one ends with it (the notes quote paths below src/ short). */
function exists(path: string): boolean {
  if (BUILT.includes(path)) return true;
  return path.endsWith('/')
    ? tracked.some((file) => file.startsWith(path) || file.includes(`/${path}`))
    : tracked.some((file) => file === path || file.endsWith(`/${path}`));
}

describe('docs/design.md', () => {
  it('quotes paths (the check has something to check)', () => {
    expect(quoted.length).toBeGreaterThan(50);
    expect(quoted).toContain('src/kinds/registry.ts');
    expect(exists('src/tasks/')).toBe(false);
    expect(exists('src/events/stop-reason.ts')).toBe(false);
  });

  it('names only paths that exist', () => {
    expect(quoted.filter((path) => !exists(path))).toEqual([]);
  });
});
