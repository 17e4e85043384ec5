import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const IO_IMPORTS =
  /from '(node:[a-z_/]+|fs|express|pino|pino-pretty|@aws-sdk\/[^']+|@smithy\/[^']+|prom-client)'/;

describe('the dependency rule', () => {
  const pure = [...files('events'), ...files('tasks'), 'metrics/catalog.ts'];

  it('finds the pure modules', () => {
    expect(pure.length).toBeGreaterThan(4);
  });

  for (const file of pure) {
    it(`${file} imports no I/O and reads no clock or environment`, () => {
      const text = readFileSync(join(SRC, file), 'utf8');
      expect(text).not.toMatch(IO_IMPORTS);
      expect(text).not.toMatch(/process\.(env|argv|stdout|stderr)|Date\.now\(|new Date\(\)/);
      for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
        expect(match[1], `${file} imports ${match[1]}`).toMatch(
          /^\.\.?\/(events|tasks)?\/?[a-z-]+\.js$|^\.\/[a-z-]+\.js$/,
        );
      }
    });
  }

  it('has no barrel files', () => {
    for (const file of files('.')) expect(file).not.toMatch(/(^|\/)index\.ts$/);
  });
});
