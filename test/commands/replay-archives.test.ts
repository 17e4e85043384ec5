/**
 * Every archive format under test/fixtures/archives holds the same events as
 * events.ndjson (the seed events and other fixtures, with a duplicate, an
 * event of another source and an invalid one) and replays to the same
 * exposition.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sample } from '../helpers/exposition.js';

const ARCHIVES = new URL('../fixtures/archives/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'replay-archives-'));
const original = runCli(['replay', join(ARCHIVES, 'events.ndjson'), '--log-level', 'silent']);

const FORMATS: [string, string][] = [
  ['events-crlf.ndjson', 'ndjson'],
  ['events-pretty.json', 'json-pretty'],
  ['events-firehose', 'json-concatenated'],
  ['events-array.json', 'json-array'],
  ['filter-log-events.json', 'cloudwatch-logs-events'],
  ['get-log-events.json', 'cloudwatch-logs-events'],
  ['events-pretty.json.gz', 'gzip json-pretty'],
  ['events-firehose.gz', 'gzip json-concatenated'],
  ['filter-log-events.json.gz', 'gzip cloudwatch-logs-events'],
];

describe('replay of archives', () => {
  it('counts the NDJSON original as the contract says', () => {
    expect(original.status).toBe(0);
    const records = (result: string) =>
      sample(original.stdout, `ecs_events_exporter_records_total{result="${result}"}`);
    expect([
      records('processed'),
      records('duplicate'),
      records('invalid'),
      records('ignored'),
    ]).toEqual([4, 1, 1, 1]);
    expect(original.stderr).toMatch(
      /^ecs-events-exporter replay: 7 records from \S+events\.ndjson \(format ndjson\): 4 processed, 1 duplicate, 1 invalid, 1 ignored\n$/,
    );
  });

  for (const [file, format] of FORMATS) {
    it(`reads ${file} as ${format}, to the same exposition`, () => {
      const out = runCli(['replay', join(ARCHIVES, file), '--log-level', 'silent']);
      expect(out.status).toBe(0);
      expect(out.stdout).toBe(original.stdout);
      expect(out.stderr).toBe(
        `ecs-events-exporter replay: 7 records from ${join(ARCHIVES, file)} (format ${format}): 4 processed, 1 duplicate, 1 invalid, 1 ignored\n`,
      );
    });
  }

  it('reads a CloudWatch Logs export directory (gzip TIMESTAMP {json} lines), skipping its write test file', () => {
    const path = join(ARCHIVES, 'cloudwatch-logs-export');
    const out = runCli(['replay', path, '--log-level', 'silent']);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(original.stdout);
    expect(out.stderr).toBe(
      `ecs-events-exporter replay: 7 records from 2 files in ${path} (formats gzip cloudwatch-logs-export: 2): 4 processed, 1 duplicate, 1 invalid, 1 ignored\n`,
    );
  });

  it('reads the pretty-printed seed events (as the seed note has them) from standard input', () => {
    const seeds = ['task-exited.json', 'task-failed-to-start.json']
      .map((f) => readFileSync(new URL(`../fixtures/events/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const out = runCli(['replay', '-', '--log-level', 'silent'], seeds);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/2 records from standard input \(format json-pretty\): 2 processed/);
  });

  it('refuses content of no known format with exit 2, naming the file and the byte offset', () => {
    const csv = join(ARCHIVES, 'not-events.csv');
    const out = runCli(['replay', csv]);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      new RegExp(
        `^ecs-events-exporter: cannot replay ${csv}: no known format at byte 0 \\("time,cluster`,
      ),
    );
    const padded = join(dir, 'padded.txt.gz');
    writeFileSync(padded, gzipSync('\n\n   <html>'));
    expect(runCli(['replay', padded]).stderr).toMatch(
      /padded\.txt\.gz: no known format at byte 5 of its decompressed content \("<html>"/,
    );
    // One such file in a directory fails the whole replay: nothing half-counted is printed.
    const mixed = mkdtempSync(join(tmpdir(), 'replay-mixed-'));
    writeFileSync(join(mixed, 'a.ndjson'), readFileSync(join(ARCHIVES, 'events.ndjson')));
    writeFileSync(join(mixed, 'b.txt'), 'hello\n');
    const failed = runCli(['replay', mixed]);
    expect([failed.status, failed.stdout]).toEqual([2, '']);
    expect(failed.stderr).toMatch(/b\.txt: no known format at byte 0/);
  });

  it('counts bad records inside a known format and keeps every good one', () => {
    const lines = readFileSync(join(ARCHIVES, 'events.ndjson'), 'utf8').trim().split('\n');
    const [a, b, c, d] = lines as [string, string, string, string];
    // Junk between values, a broken object, then good ones, then a value cut off by the end.
    const text = `${a}\n  garbage here\n${b}{"source": "aws.ecs", oops}${c}\n${d}\n{"source":"aws.e`;
    const path = join(dir, 'damaged.json');
    writeFileSync(path, `${JSON.stringify(JSON.parse(a), null, 2)}\n${text}`);
    const out = runCli(['replay', path, '--log-level', 'silent']);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(
      /8 records from \S+ \(format json-pretty\): 4 processed, 1 duplicate, 3 invalid, 0 ignored/,
    );
  });

  it('counts what came before gzip data that is cut off, and says so', () => {
    const whole = gzipSync(readFileSync(join(ARCHIVES, 'events.ndjson')));
    const path = join(dir, 'cut.ndjson.gz');
    writeFileSync(path, whole.subarray(0, whole.length - 200));
    const out = runCli(['replay', path, '--log-level', 'silent']);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(
      /format gzip ndjson\): .*; \S+cut\.ndjson\.gz: gzip data cut off or corrupt/,
    );
    expect(
      sample(out.stdout, 'ecs_events_exporter_records_total{result="invalid"}'),
    ).toBeGreaterThanOrEqual(1);
  });
});
