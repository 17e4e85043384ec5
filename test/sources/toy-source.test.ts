/**
 * Adding a source is one class and one option: a toy source (toy/toy-source.ts,
 * one file) registered beside Kinesis runs the exporter's `run` as it is —
 * the source factory picks it, the counting counts through it, durable state
 * saves its position and resumes after it — and no command changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/run.js';
import { SOURCES } from '../../src/sources/create-source.js';
import { STORES } from '../../src/state/create-store.js';
import { expositionOf, fixtureLine, sumOf, taskLines } from '../helpers/exposition.js';
import { capturingLogger } from '../helpers/log-lines.js';
import { terminateRun, toyRunConfig } from '../helpers/toy-run.js';
import { TOY_SOURCE, type ToyConfig } from './toy/toy-source.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'];
// Events of one hour, so that no workload's series expire between them.
const FIRST = ['task-stopped-oom.json', 'task-exited.json', 'task-failed-to-start.json'];
const LATER = ['task-stopped-user-initiated.json', 'task-stopped-image-pull-failed.json'];
const encoded = (names: string[]) =>
  names.map((n) => `${Buffer.from(fixtureLine(n)).toString('base64')}\n`).join('');

const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** Runs a failed assertion left serving: stopped after each test. */
const running: (() => Promise<number>)[] = [];

/** `run` in this process with the toy source registered first; stop() sends it SIGTERM. */
function startRun(config: ToyConfig) {
  const { logger, lines } = capturingLogger();
  const exit = run(config, logger, io, { sources: [TOY_SOURCE, ...SOURCES], stores: STORES });
  const url = async (): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const started = lines.find((l) => l.msg === 'exporter started');
      if (started !== undefined) return started.url as string;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`run did not start: ${JSON.stringify(lines)}`);
  };
  let stopped = false;
  const stop = async (): Promise<number> => {
    if (!stopped) {
      stopped = true;
      terminateRun();
    }
    return exit;
  };
  running.push(stop);
  return { url, stop, lines };
}

/** The served exposition once the task lines are `expected` (scrapes show the last save). */
async function scrapeUntil(url: string, expected: string): Promise<string> {
  expect(expected).toContain('ecs_task_stopped_total{');
  let text = '';
  for (let i = 0; i < 200; i++) {
    text = await (await fetch(`${url}/metrics`)).text();
    if (taskLines(text) === expected) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(taskLines(text)).toBe(expected);
  return text;
}

describe('a toy source', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toy-source-'));
  });
  afterEach(async () => {
    for (const stop of running.splice(0)) await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is counted by run, its position saved with the counts and resumed after', async () => {
    const file = join(dir, 'records.b64');
    await writeFile(file, encoded(FIRST));
    const config: ToyConfig = {
      ...toyRunConfig(['--state-dir', join(dir, 'state'), '--checkpoint-interval', '100ms']),
      toyFile: file,
    };

    const first = startRun(config);
    const served = await scrapeUntil(
      await first.url(),
      taskLines(await expositionOf(FIRST.map(fixtureLine))),
    );
    expect(sumOf(served, 'ecs_events_exporter_records_total', 'result="processed"')).toBe(3);
    expect(first.lines.find((l) => l.msg === 'reading toy file')?.toyFile).toBe(file);
    expect(await first.stop()).toBe(0);
    expect(await readdir(join(dir, 'state'))).toEqual(['toy-records.b64.json']);

    await appendFile(file, encoded(LATER));
    const second = startRun(config);
    const all = [...FIRST, ...LATER].map(fixtureLine);
    const resumed = await scrapeUntil(await second.url(), taskLines(await expositionOf(all)));
    // Restored counts and the records after the position, none read twice.
    expect(sumOf(resumed, 'ecs_events_exporter_records_total', 'result="processed"')).toBe(5);
    expect(sumOf(resumed, 'ecs_events_exporter_records_total', 'result="duplicate"')).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  it('takes one new file, and a line in each of sources/create-source.ts and config.ts', () => {
    // The toy: one file (class, factory and option).
    expect(readdirSync(join(ROOT, 'test/sources/toy'))).toEqual(['toy-source.ts']);
    // What Kinesis, the source added before it, needed outside its folder: the
    // factory's line and its options' lines (demo runs a Kinesis stream of its own).
    const outside = (dir: string): string[] =>
      readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).flatMap((e) => {
        const path = join(dir, e.name);
        if (e.isDirectory()) return path === 'sources/kinesis' ? [] : outside(path);
        const text = readFileSync(join(ROOT, 'src', path), 'utf8');
        return /from '[./]*(sources\/)?kinesis\//.test(text) ? [path] : [];
      });
    const found = outside('').sort();
    expect(found).toEqual(['commands/demo.ts', 'config.ts', 'sources/create-source.ts']);
    // design.md states the count measured here: the source's own folder (one
    // new file at least) and the files outside it, demo's own stream aside.
    const design = readFileSync(join(ROOT, 'docs/design.md'), 'utf8');
    const section = /## Adding a source\n((?:(?!\n## )[\s\S])*)/.exec(design)?.[1] ?? '';
    const stated = /\b(one|two|three|four|five|six|seven)\s+files\s+\(one new\)/.exec(section)?.[1];
    const needed = found.filter((f) => f !== 'commands/demo.ts');
    expect(stated).toBe(NUMBER_WORDS[1 + needed.length]);
  });
});
