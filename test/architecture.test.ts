/**
 * The dependency rule and the layout, read from the import lines of src/:
 * what the pure core, kinds, sources, records and HTTP may import, that only
 * commands compose, what replay and backfill load; and that test/ mirrors src/.
 * No server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every module a file imports, as a path under src/ (or the package name). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map(([, spec]) =>
    (spec as string).startsWith('.') ? join(file, '..', spec as string) : (spec as string),
  );
}

const ALL = files('.');
const under = (dir: string) => ALL.filter((f) => f.startsWith(`${dir}/`));
const IO = /^(node:|fs$|express|pino|@aws-sdk\/|@smithy\/|prom-client|kinesalite)/;

describe('the dependency rule', () => {
  it('finds the parts', () => {
    for (const dir of ['kinds', 'sources', 'state', 'commands', 'metrics', 'http', 'records']) {
      expect(under(dir).length, dir).toBeGreaterThan(0);
    }
  });

  const pure = [
    ...under('kinds'),
    'metrics/catalog.ts',
    'metrics/metric-spec.ts',
    'metrics/series-store.ts',
    'metrics/series-snapshot.ts',
    'metrics/exposition-text.ts',
    'metrics/metric-registry.ts',
    'metrics/plain-metrics.ts',
    'metrics/store-families.ts',
    'metrics/self-metrics.ts',
    'pipeline.ts',
  ];
  for (const file of pure) {
    it(`${file} (the pure core) imports no I/O and reads no clock or environment`, () => {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(IO);
      const text = readFileSync(join(SRC, file), 'utf8');
      expect(text).not.toMatch(/process\.(env|argv|stdout|stderr)|Date\.now\(|new Date\(\)/);
    });
  }

  for (const file of under('kinds')) {
    it(`${file} imports no source, server, state or command`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^(sources|http|state|commands)\//);
      }
    });
  }

  for (const file of under('sources')) {
    it(`${file} imports no kind, pipeline, state or command`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(
          /^(kinds|state|commands|http)\/|^(pipeline|counting)\.js$/,
        );
      }
    });
  }

  for (const file of under('records')) {
    it(`${file} (record containers) imports no kind, source, pipeline, state or command`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(
          /^(kinds|sources|state|commands|http|metrics)\/|^(pipeline|counting)\.js$/,
        );
      }
    });
  }

  for (const file of under('http')) {
    it(`${file} is handed functions: it imports no kind, metric, source, state or command`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(
          /^(kinds|metrics|sources|state|commands)\/|^(pipeline|counting)\.js$/,
        );
      }
    });
  }

  it('only commands compose sources with the counting, and only cli.ts loads commands', () => {
    for (const file of ALL.filter((f) => !f.startsWith('commands/'))) {
      const specs = importsOf(file);
      const source = specs.some((s) => /^sources\/(kinesis|file)\//.test(s));
      const counting = specs.some((s) => /^(counting|pipeline)\.js$/.test(s));
      expect(source && counting, `${file} composes a source with the counting`).toBe(false);
      if (file !== 'cli.ts') {
        expect(
          specs.filter((s) => s.startsWith('commands/') && s !== 'commands/io.js'),
          file,
        ).toEqual([]);
      }
    }
  });

  it('the state stores know nothing of what they store', () => {
    for (const file of ['state/state-store.ts', 'state/file-state-store.ts']) {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^(kinds|metrics|sources)\//);
      }
    }
  });

  it('cli.ts loads only what every command needs before it picks one', () => {
    const text = readFileSync(join(SRC, 'cli.ts'), 'utf8');
    const eager = [...text.matchAll(/^import (?!type)[^;]+from '([^']+)'/gm)].map((m) => m[1]);
    expect(eager).toEqual(['./base/command-names.js', './config.js']);
  });

  it('replay and backfill load no prom-client, HTTP stack, AWS SDK or pretty printer', () => {
    // What a file may load: static imports that are not type-only, side-effect
    // imports, and dynamic import()s (a lazy load on the path counts too).
    const specs =
      /^(?:import|export) (?!type )[^;]*?from ['"]([^'"]+)['"]|^import ['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/gms;
    const loaded = (file: string): string[] => {
      const text = readFileSync(join(SRC, file), 'utf8');
      return [...text.matchAll(specs)]
        .map(([, a, b, c]) => (a ?? b ?? c) as string)
        .map((spec) => {
          if (!spec.startsWith('.')) return spec;
          if (!spec.endsWith('.js'))
            throw new Error(`${file}: relative import ${spec} without .js`);
          return join(file, '..', spec.replace(/\.js$/, '.ts'));
        });
    };
    const packagesLoadedBy = (command: string): Set<string> => {
      const seen = new Set<string>();
      const packages = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const spec of loaded(file)) {
          if (spec.endsWith('.ts')) visit(spec);
          else packages.add(spec);
        }
      };
      visit(command);
      return packages;
    };
    const heavy = (packages: Set<string>) =>
      [...packages].filter((p) =>
        /^(prom-client|express|@aws-sdk\/|@smithy\/|kinesalite|pino-pretty)/.test(p),
      );
    for (const command of ['commands/replay.ts', 'commands/backfill.ts']) {
      expect(heavy(packagesLoadedBy(command)), command).toEqual([]);
    }
    // The same walk finds them where they are loaded.
    expect(heavy(packagesLoadedBy('commands/run.ts'))).toEqual(
      expect.arrayContaining(['prom-client', 'express', '@aws-sdk/client-kinesis']),
    );
  });

  it('has no barrel files', () => {
    for (const file of ALL) expect(file).not.toMatch(/(^|\/)index\.ts$/);
  });
});

describe('the base module under sources and state', () => {
  it('finds base/', () => {
    expect(under('base').length).toBeGreaterThan(0);
  });

  for (const file of under('state')) {
    it(`${file} imports no source`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^sources\//);
      }
    });
  }

  for (const file of under('base')) {
    it(`${file} imports nothing of the exporter but base/`, () => {
      for (const spec of importsOf(file).filter((s) => /^[a-z-]+\/|\.js$/.test(s))) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^base\/|^@smithy\//);
      }
    });
  }
});

describe('the source and store seams', () => {
  // `demo` runs a local Kinesis stream of its own: it builds its target, through the factory still.
  for (const file of under('commands').filter((f) => f !== 'commands/demo.ts')) {
    it(`${file} picks a source and a store through their factories`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(
          /^sources\/kinesis\/|^state\/(file|s3)-state-store|^state\/s3-client/,
        );
      }
    });
  }

  it('commands/demo.ts reaches Kinesis only through its factory and client', () => {
    for (const spec of importsOf('commands/demo.ts').filter((s) => s.startsWith('sources/'))) {
      expect(spec).toMatch(/^sources\/kinesis\/kinesis-(factory|client)\.js$/);
    }
  });

  it('the record pipeline has one entry, handle(record), that every command goes through', () => {
    const text = readFileSync(join(SRC, 'pipeline.ts'), 'utf8');
    const methods = [...text.matchAll(/^ {2}(?!constructor)([a-zA-Z]\w*)\(/gm)].map((m) => m[1]);
    expect(methods).toEqual(['handle']);
    for (const file of under('commands')) {
      const calls = readFileSync(join(SRC, file), 'utf8').match(/pipeline\.\w+/g) ?? [];
      for (const call of calls) expect(call, file).toBe('pipeline.handle');
    }
  });

  it('no store is picked by its class', () => {
    for (const file of ALL) {
      const text = readFileSync(join(SRC, file), 'utf8');
      expect(text, file).not.toMatch(/instanceof (S3|File)StateStore/);
    }
  });
});

describe('one home for each detail-type', () => {
  it("a kind's detail-type is written only in its own folder; others refer to it", async () => {
    const { EVENT_KINDS } = await import('../src/kinds/registry.js');
    for (const kind of EVENT_KINDS) {
      for (const detailType of kind.detailTypes) {
        const writers = ALL.filter((f) =>
          readFileSync(join(SRC, f), 'utf8').includes(`'${detailType}'`),
        );
        expect(writers.length, detailType).toBeGreaterThan(0);
        for (const file of writers) expect(file, detailType).toMatch(`kinds/${kind.name}/`);
      }
    }
  });
});

describe('test/ mirrors src/', () => {
  const TEST = new URL('./', import.meta.url).pathname;
  /** Folders of test/ that hold no tests of one src/ part: shared code, data, and whole-product checks. */
  const NOT_OF_SRC = new Set([
    'helpers', // shared test code: servers, the CLI runner, exposition readers
    'fixtures', // events, archives, patterns, expositions, state files
    'hostile', // hostile input across the whole exporter
    'docs', // the generated docs and the README's commands
    'operator', // deployment files, dashboards, rules, Prometheus against the exporter
  ]);
  /** Parts src/ does not have: the toys that prove a seam (a kind, a source, a store) by being added in a test. */
  const TOYS = new Set(['kinds/toy-kind', 'sources/toy', 'state/toy']);
  const folders = (dir: string): string[] =>
    readdirSync(join(TEST, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => {
        const path = join(dir, entry.name);
        return (dir === '' && NOT_OF_SRC.has(entry.name)) || TOYS.has(path)
          ? []
          : [path, ...folders(path)];
      });
  const exists = (path: string) => {
    try {
      readdirSync(join(SRC, path));
      return true;
    } catch {
      return ALL.includes(`${path}.ts`);
    }
  };

  it('finds the folders', () => {
    expect(folders('')).toEqual(expect.arrayContaining(['commands', 'kinds', 'sources/kinesis']));
    for (const name of [...NOT_OF_SRC, ...TOYS])
      expect(readdirSync(join(TEST, name)).length, name).toBeGreaterThan(0);
  });

  it('every test folder names a folder or file of src/', () => {
    expect(folders('').filter((path) => !exists(path))).toEqual([]);
  });

  it('every kind has its own test folder', () => {
    const kinds = readdirSync(join(SRC, 'kinds'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && ALL.includes(`kinds/${entry.name}/kind.ts`))
      .map((entry) => `kinds/${entry.name}`);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.filter((kind) => !folders('kinds').includes(kind))).toEqual([]);
  });
});

describe('layers: metrics below kinds, and nothing in src/ the exporter does not run', () => {
  for (const file of under('metrics')) {
    it(`${file} imports no kind: the kinds hand their specs and labels down`, () => {
      for (const spec of importsOf(file)) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^kinds\//);
      }
    });
  }

  for (const file of under('metrics').filter((f) => /^metrics\/series/.test(f))) {
    it(`${file} (a part of the series store) imports no I/O and reads no clock`, () => {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(IO);
      const text = readFileSync(join(SRC, file), 'utf8');
      expect(text).not.toMatch(/process\.(env|argv|stdout|stderr)|Date\.now\(|new Date\(\)/);
    });
  }

  it('every module in src/ is loaded from cli.ts: test data and bench corpora live in test/ or tools/', () => {
    // Static imports, re-exports and import()s, type-only ones included: a
    // module that only types need is still part of the program's source.
    const specs = /(?:from|import\()\s*'(\.[^']+)'/g;
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = readFileSync(join(SRC, file), 'utf8');
      for (const [, spec] of text.matchAll(specs)) {
        visit(join(file, '..', (spec as string).replace(/\.js$/, '.ts')));
      }
    };
    visit('cli.ts');
    // The walk sees the commands cli.ts loads lazily, and through them the kinds.
    expect(reached).toContain('commands/run.ts');
    expect(reached).toContain('kinds/registry.ts');
    expect(ALL.filter((file) => !reached.has(file))).toEqual([]);
  });
});
