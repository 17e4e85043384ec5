/**
 * Hostile records: deep nesting, bytes that are not UTF-8, huge records and
 * lines (through `replay -` too), the extreme dates JavaScript allows, and
 * prototype keys. Counted as the contract says, never a crash, never a
 * polluted object.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUE_LENGTH } from '../../src/kinds/label-values.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { readLines } from '../../src/sources/file/line-reader.js';
import { captureState, restoreState } from '../../src/state/durable-state.js';
import { runCli } from '../helpers/cli.js';
import { freshCore, sample, sumOf } from '../helpers/exposition.js';
import {
  CLEAN_TRACES,
  CONTRACT_PATHS,
  ContractOracle,
  DELETE,
  expositionOfCore,
  HOSTILE_STRINGS,
  parseExposition,
  pollutionTraces,
  promtool,
  prototypeFingerprint,
  SEED_LINES,
  seedEvent,
  setPath,
} from './support.js';

type Event = Record<string, unknown>;

/** A seed event with `change` applied, as one line. */
function variant(change: (event: Event & { detail: Event }) => void, seed: 0 | 1 = 0): string {
  const event = seedEvent(seed) as Event & { detail: Event };
  change(event);
  return JSON.stringify(event);
}

/** Feeds `lines`, checks every result against the oracle, and returns the checked exposition. */
async function feedAndCheck(lines: readonly (string | Uint8Array)[]) {
  const core = freshCore();
  const oracle = new ContractOracle();
  const results = lines.map((line) => core.pipeline.handle(line));
  const expected = lines.map((line) => oracle.handle(line));
  expect(results).toEqual(expected);
  const text = await expositionOfCore(core);
  const check = promtool(text);
  expect(check.output).toBe('');
  expect(check.status).toBe(0);
  parseExposition(text);
  for (const result of ['processed', 'duplicate', 'invalid', 'ignored'] as const) {
    expect(sample(text, `ecs_events_exporter_records_total{result="${result}"}`)).toBe(
      oracle.counts[result],
    );
  }
  expect(sumOf(text, 'ecs_task_state_transitions_total')).toBe(oracle.transitions);
  expect(sumOf(text, 'ecs_task_stopped_total')).toBe(oracle.stopped);
  return { core, text, results };
}

describe('deep nesting', () => {
  it('100,000 nested arrays in detail are counted invalid, not a crash', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const line = `{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":${deep}}`;
    const { results } = await feedAndCheck([line, SEED_LINES[0] as string]);
    expect(results).toEqual(['invalid', 'processed']);
  });

  it('1,000,000 nested objects in an extra field and a 2,000,000-deep unclosed array: parsed or refused, never a throw', async () => {
    const deep = `${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}`;
    const line = `{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"taskArn":"t","lastStatus":"RUNNING","version":1,"x":${deep}}}`;
    const unclosed = `{"detail":${'['.repeat(2_000_000)}`;
    const core = freshCore();
    // Valid JSON when the parser copes with the depth: then it is a task event with a deep
    // extra field (processed); a parser that gives up reports it invalid. Never a throw.
    const result = core.pipeline.handle(line);
    expect(['processed', 'invalid']).toContain(result);
    expect(core.pipeline.handle(unclosed)).toBe('invalid');
    expect(core.pipeline.handle(SEED_LINES[0] as string)).toBe('processed');
    expect(promtool(await expositionOfCore(core)).status).toBe(0);
  });

  it('deep nesting in an ignored event and as the whole record', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const { results } = await feedAndCheck([
      deep,
      `{"source":"x","detail-type":"y","detail":${deep}}`,
      `{"source":${deep},"detail-type":"y"}`,
    ]);
    expect(results).toEqual(['invalid', 'ignored', 'invalid']);
  });
});

describe('garbage', () => {
  it('bytes that are not UTF-8, binary, empty and whitespace records are invalid', async () => {
    const { results } = await feedAndCheck([
      new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc0]),
      new Uint8Array(0),
      new Uint8Array([0x7b]),
      '',
      ' ',
      '\u0000',
      'null',
      'true',
      '1',
      '"aws.ecs"',
      '[]',
      '[{"source":"aws.ecs"}]',
      `${SEED_LINES[0]}x`,
      (SEED_LINES[0] as string).slice(0, -1),
      `\uFEFF${SEED_LINES[0]}`,
      new TextEncoder().encode(SEED_LINES[1] as string),
    ]);
    expect(results.slice(0, -1).every((r) => r === 'invalid')).toBe(true);
    expect(results.at(-1)).toBe('processed');
  });

  it('a record that is valid UTF-8 except for one byte still decodes the rest', async () => {
    const line = (SEED_LINES[0] as string).replace('alpine-hello"', 'alpine-hello\u00ff"');
    const bytes = Buffer.from(line, 'latin1'); // \u00ff as the lone byte 0xff
    const { results, text } = await feedAndCheck([bytes]);
    expect(results).toEqual(['processed']);
    expect(text).toContain('ecs_task_stopped_total{');
  });
});

describe('huge records', () => {
  it('a 20 MB line through replay - is invalid (over the line limit) and the next line is still processed', () => {
    const huge = `{"source":"aws.ecs","detail-type":"ECS Task State Change","pad":"${'x'.repeat(20 * 1024 * 1024)}"}`;
    const input = `${SEED_LINES[0]}\n${huge}\n${SEED_LINES[1]}\n`;
    const out = runCli(['replay', '-'], input);
    expect(out.stderr).not.toMatch(/RangeError|TypeError|heap/);
    expect(out.status).toBe(0);
    expect(sample(out.stdout, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(1);
    expect(sample(out.stdout, 'ecs_events_exporter_records_total{result="processed"}')).toBe(2);
    expect(sumOf(out.stdout, 'ecs_task_stopped_total')).toBe(2);
    expect(promtool(out.stdout).status).toBe(0);
  });

  it('a 4 MB record under the limit is processed, and its long fields do not reach the exposition unbounded', async () => {
    const long = 'y'.repeat(4 * 1024 * 1024);
    const line = variant((e) => {
      e.detail.clusterArn = `arn:aws:ecs:r:1:cluster/${long}`;
      e.detail.stopCode = long;
      e.detail.stoppedReason = long;
      e.detail.lastStatus = long;
      e.detail.launchType = long;
      e.detail.taskDefinitionArn = `task-definition/${long}:1`;
      e.detail.group = `service:${long}`;
    });
    const { text, results } = await feedAndCheck([line]);
    expect(results).toEqual(['processed']);
    expect(text.length).toBeLessThan(200_000);
    for (const s of parseExposition(text)) {
      for (const value of Object.values(s.labels)) {
        expect(value.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
      }
    }
  });

  it('durations of the extreme dates JavaScript allows: the same records in any order give the same exposition', async () => {
    const task = (id: string, createdAt: string, startedAt: string) =>
      variant((e) => {
        e.detail.taskArn = `task/${id}`;
        e.detail.createdAt = createdAt;
        e.detail.startedAt = startedAt;
      });
    const huge = task('huge', '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z');
    const oneMs = task('a', '2021-07-12T05:43:29.769Z', '2021-07-12T05:43:29.770Z');
    const oneMsMore = task('b', '2021-07-12T05:43:29.769Z', '2021-07-12T05:43:29.770Z');
    const first = await feedAndCheck([huge, oneMs, oneMsMore]);
    const second = await feedAndCheck([oneMs, oneMsMore, huge]);
    expect(first.text).toBe(second.text);
  });

  it('a line over the limit is skipped as oversized whatever the chunking of the input', async () => {
    // The same 12-character line, limit 10: in one chunk, and split so that the part
    // buffered before the newline is under the limit. Replaying a file (1 MiB chunks)
    // and stdin (64 KiB chunks) must not count the same line differently.
    const outcome = async (chunks: string[]) => {
      const lines: string[] = [];
      const oversized: number[] = [];
      await readLines(
        Readable.from(chunks.map((c) => Buffer.from(c))),
        { onLine: (l) => lines.push(l), onOversized: (n) => oversized.push(n) },
        10,
      );
      return { lines, oversized: oversized.length };
    };
    const expected = { lines: ['ok'], oversized: 1 };
    expect(await outcome(['abcdefghijkl\nok\n'])).toEqual(expected);
    expect(await outcome(['abcdefghi', 'jkl\nok\n'])).toEqual(expected);
    expect(await outcome(['abcdefghijk', 'l\nok\n'])).toEqual(expected);
  });
});

describe('prototype keys', () => {
  const protoLines = [
    '{"__proto__":{"source":"aws.ecs","detail-type":"ECS Task State Change","polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}},"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"taskArn":"t1","lastStatus":"RUNNING","version":1}}',
    '{"prototype":{"polluted":1},"source":"x","detail-type":"y"}',
    '{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"__proto__":{"taskArn":"t","lastStatus":"RUNNING","version":1,"polluted":1}}}',
    '{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"taskArn":"t2","lastStatus":"__proto__","version":1,"clusterArn":"cluster/__proto__","group":"service:constructor","taskDefinitionArn":"task-definition/prototype:1","launchType":"__proto__","stopCode":"constructor","constructor":{"prototype":{"polluted":1}},"__proto__":{"polluted":1}}}',
    '{"source":"aws.ecs","detail-type":"ECS Task State Change","time":"2021-07-12T05:44:09Z","detail":{"taskArn":"__proto__","lastStatus":"STOPPED","version":0,"stopCode":"__proto__","containers":[{"__proto__":{"reason":"OutOfMemoryError"}}]}}',
    '{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"taskArn":"constructor","lastStatus":"hasOwnProperty","version":1,"group":"service:__proto__"}}',
    '{"source":"aws.ecs","detail-type":"ECS Task State Change","detail":{"taskArn":"toString","lastStatus":"valueOf","version":2}}',
  ];

  it('are counted as the contract says, pollute nothing, and later records count as on a fresh core', async () => {
    const before = prototypeFingerprint();
    const { core, results, text } = await feedAndCheck(protoLines);
    expect(results).toEqual([
      'invalid',
      'processed',
      'ignored',
      'invalid',
      'processed',
      'processed',
      'processed',
      'processed',
    ]);
    // `__proto__` as a status, a label value, a task: an ordinary string.
    expect(text).toContain('last_status="__proto__"');
    expect(text).toContain('ecs_cluster="__proto__"');
    expect(text).toContain('stop_code="__proto__"');
    expect(text).toContain('last_status="hasOwnProperty"');
    // The __proto__ container reason is not an own field: no reason class from it.
    expect(text).toMatch(/ecs_task_stopped_total\{[^}]*reason="other"/);
    expect(prototypeFingerprint()).toBe(before);
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    // The same ids again are duplicates; the seeds after them count as on a fresh core.
    for (const line of protoLines.slice(4)) expect(core.pipeline.handle(line)).toBe('duplicate');
    const fresh = freshCore();
    for (const line of SEED_LINES) {
      expect(core.pipeline.handle(line)).toBe('processed');
      fresh.pipeline.handle(line);
    }
    const seedSeries = (t: string) =>
      t.split('\n').filter((l) => l.startsWith('ecs_task_') && l.includes('apline-hello-cluster'));
    expect(seedSeries(await expositionOfCore(core))).toEqual(
      seedSeries(await expositionOfCore(fresh)),
    );
  });

  it('a state captured after them restores, and restoring pollutes nothing', async () => {
    const core = freshCore();
    for (const line of protoLines) core.pipeline.handle(line);
    const saved = JSON.parse(JSON.stringify(captureState(core)));
    const again = freshCore();
    restoreState(again, saved);
    expect(await expositionOfCore(again)).toBe(await expositionOfCore(core));
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
  });
});

describe('label values', () => {
  it('quotes, backslashes, newlines, NULs, bidi marks and long text: escaped, bounded, parseable', async () => {
    // Values that look like an `le` label have their own test below.
    const values = HOSTILE_STRINGS.filter((v) => !v.includes('le='));
    const lines = values.flatMap((value, i) => [
      variant((e) => {
        e.detail.taskArn = `task/hostile-${i}`;
        e.detail.clusterArn = `arn:aws:ecs:r:1:cluster/${value}`;
        e.detail.group = `service:${value}`;
        e.detail.taskDefinitionArn = `arn:aws:ecs:r:1:task-definition/${value}:3`;
        e.detail.launchType = value;
        e.detail.stopCode = value;
      }),
      variant((e) => {
        e.detail.taskArn = `task/hostile-status-${i}`;
        e.detail.lastStatus = value;
        e.detail.clusterArn = value;
        e.detail.taskDefinitionArn = value;
      }, 1),
    ]);
    const { text, results } = await feedAndCheck(lines);
    expect(results.every((r) => r === 'processed')).toBe(true);
    const samples = parseExposition(text);
    const clusters = new Set(samples.map((s) => s.labels.ecs_cluster));
    for (const value of values.filter((v) => !v.includes('/'))) {
      // Each value comes back out of the escaping unchanged (bounded when long).
      expect(clusters.has(value.slice(0, MAX_LABEL_VALUE_LENGTH))).toBe(true);
    }
    for (const s of samples) {
      for (const value of Object.values(s.labels)) {
        expect(value.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
      }
    }
    // Text that looks like exposition syntax stays inside its label value.
    expect(samples.some((s) => s.name === 'fake_metric' || s.name === 'x')).toBe(false);
    expect(text).not.toMatch(/^fake_metric/m);
  });

  it('label sets that differ only in where a NUL falls are kept apart', async () => {
    const a = variant((e) => {
      e.detail.taskArn = 'task/nul-a';
      e.detail.clusterArn = 'cluster/a\u0000b';
      e.detail.group = 'family:x';
      e.detail.taskDefinitionArn = 'task-definition/f:1';
      e.detail.launchType = 'L';
    });
    const b = variant((e) => {
      e.detail.taskArn = 'task/nul-b';
      e.detail.clusterArn = 'cluster/a';
      e.detail.group = 'service:b';
      e.detail.taskDefinitionArn = 'task-definition/\u0000f:1';
      e.detail.launchType = 'L';
    });
    const { text } = await feedAndCheck([a, b]);
    const transitions = parseExposition(text).filter(
      (s) => s.name === 'ecs_task_state_transitions_total',
    );
    const ofLabels = (cluster: string, service: string, family: string) =>
      transitions.find(
        (s) =>
          s.labels.ecs_cluster === cluster &&
          s.labels.ecs_service === service &&
          s.labels.family === family,
      )?.value;
    expect(ofLabels('a\u0000b', '', 'f')).toBe(1);
    expect(ofLabels('a', 'b', '\u0000f')).toBe(1);
  });

  it('a histogram keeps its bucket lines in le order whatever its label values look like', async () => {
    const lines = [',le=', 'x,le=', 'le="', ',le="1"'].map((family, i) =>
      variant((e) => {
        e.detail.taskArn = `task/le-${i}`;
        e.detail.taskDefinitionArn = `task-definition/${family}:1`;
      }),
    );
    const { text } = await feedAndCheck(lines);
    expect(() => parseExposition(text)).not.toThrow();
    expect(() => parseExposition(canonicalExposition(text))).not.toThrow();
  });
});

describe('lone surrogates', () => {
  it('a task whose ARN holds a lone surrogate is deduplicated like any other', async () => {
    const line = variant((e) => {
      e.detail.taskArn = 'arn:aws:ecs:r:1:task/c/\ud800';
    });
    const other = variant((e) => {
      e.detail.taskArn = 'arn:aws:ecs:r:1:task/c/\udbff';
    });
    // JSON.stringify escapes a lone surrogate as \ud800: this is what a Kinesis record holds.
    expect(line).toContain('\\ud800');
    const { results, core } = await feedAndCheck([line, line, other, Buffer.from(line)]);
    expect(results).toEqual(['processed', 'duplicate', 'processed', 'duplicate']);
    expect(core.tracked()).toBe(2);
  });

  it('a long label value is cut without leaving half a surrogate pair', async () => {
    const value = `${'a'.repeat(MAX_LABEL_VALUE_LENGTH - 1)}😀`;
    const { text } = await feedAndCheck([
      variant((e) => {
        e.detail.launchType = value;
      }),
    ]);
    const launchTypes = parseExposition(text).map((s) => s.labels.launch_type ?? '');
    expect(launchTypes.every((v) => v.length <= MAX_LABEL_VALUE_LENGTH)).toBe(true);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(launchTypes.find((v) => loneSurrogate.test(v))).toBeUndefined();
  });
});

describe('task identity and time', () => {
  it('a different task ARN that ends in the same task id is a different task (dedupe is per taskArn)', async () => {
    const forged = variant((e) => {
      e.detail.taskArn = 'forged/ff259f15925142589b40c1756e6a0b62';
      e.detail.clusterArn = 'arn:aws:ecs:r:1:cluster/forged';
    });
    const { results } = await feedAndCheck([forged, SEED_LINES[0] as string]);
    expect(results).toEqual(['processed', 'processed']);
  });

  it('a STOPPED event without a usable time is remembered for the retention period like any other', async () => {
    for (const time of [undefined, '', 'not a date', 1626068649000]) {
      const noTime = variant((e) => {
        if (time === undefined) delete e.time;
        else e.time = time;
      });
      // The other seed is five minutes later: well inside the default 24 h retention.
      const { results } = await feedAndCheck([noTime, SEED_LINES[1] as string, noTime]);
      expect(results, String(time)).toEqual(['processed', 'processed', 'duplicate']);
    }
  });
});

describe('wrong types in every field the contract reads', () => {
  const WRONG: readonly unknown[] = [
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    2 ** 53,
    '5',
    '',
    [],
    ['STOPPED'],
    {},
    { S: 'STOPPED' },
    DELETE,
  ];

  it('each is classified as the contract says, and counted once', async () => {
    const lines: string[] = [];
    CONTRACT_PATHS.forEach((path, p) => {
      WRONG.forEach((value, v) => {
        const event = seedEvent(((p + v) % 2) as 0 | 1);
        // A distinct task per case, unless the case is about the task ARN itself.
        if (!(path[0] === 'detail' && path[1] === 'taskArn')) {
          setPath(event, ['detail', 'taskArn'], `arn:aws:ecs:r:1:task/c/case-${p}-${v}`);
        }
        if (setPath(event, path, value)) lines.push(JSON.stringify(event));
      });
    });
    const { results, text } = await feedAndCheck(lines);
    expect(results).toHaveLength(lines.length);
    for (const r of ['processed', 'invalid', 'ignored']) expect(results).toContain(r);
    expect(pollutionTraces()).toEqual(CLEAN_TRACES);
    expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(lines.length);
  });

  it('a version that is a float, a string, huge or negative', async () => {
    const withVersion = (version: unknown, arn = 't') =>
      variant((e) => {
        e.detail.taskArn = arn;
        e.detail.version = version;
      });
    const { results } = await feedAndCheck([
      withVersion(1.5),
      withVersion('1'),
      withVersion(2 ** 53),
      withVersion(1e308),
      withVersion(null),
      withVersion(-1),
      withVersion(-1),
      withVersion(0),
      withVersion(-0),
      withVersion(31),
      withVersion(32),
      withVersion(32),
      withVersion(2 ** 32),
      withVersion(2 ** 53 - 1),
      withVersion(2 ** 53 - 1),
    ]);
    expect(results).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'processed',
      'duplicate',
      'processed',
      'duplicate',
      'processed',
      'processed',
      'duplicate',
      'processed',
      'processed',
      'duplicate',
    ]);
  });
});

describe('unbounded input does not make unbounded state', () => {
  it('distinct huge statuses of one task and huge non-ECS task ARNs stay bounded in the tracker', () => {
    const core = freshCore();
    const big = (i: number) => `${i}:${'s'.repeat(64 * 1024)}`;
    for (let i = 0; i < 40; i++) {
      core.pipeline.handle(
        variant((e) => {
          e.detail.taskArn = 'arn:aws:ecs:r:1:task/c/0123456789abcdef0123456789abcdef';
          e.detail.version = 100 + i;
          e.detail.lastStatus = big(i);
        }),
      );
      core.pipeline.handle(
        variant((e) => {
          e.detail.taskArn = big(i);
        }),
      );
    }
    // 80 records of 64 KiB each: the tracker (which dedupes) should not keep 5 MB of them.
    const tracker = JSON.stringify(captureState(core).kinds['task-state-change']);
    expect(tracker.length).toBeLessThan(1024 * 1024);
  });
});
