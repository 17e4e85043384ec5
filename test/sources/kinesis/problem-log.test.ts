/**
 * ProblemLog: a lasting problem logged once and then at growing intervals,
 * its end once, a changed problem at once. No server.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ProblemLog } from '../../../src/sources/kinesis/problem-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { lines, logger };
}

const denied = {
  code: 'AccessDeniedException',
  reason: 'access denied (AccessDeniedException) to list',
};

describe('ProblemLog', () => {
  it('logs a lasting problem once, then again after 1, 2, 4 ... minutes, and its end once', () => {
    const { lines, logger } = capture();
    let now = 0;
    const log = new ProblemLog(logger, 'cannot list Kinesis shards', () => now);
    const at: number[] = [];
    for (now = 0; now <= 8 * 60_000; now += 10_000) {
      const before = lines.length;
      log.report('access-denied', new Error('x'), denied);
      if (lines.length > before) at.push(now / 1000);
    }
    expect(at).toEqual([0, 60, 180, 420]);
    expect(lines[0]).toMatchObject({
      level: 50,
      code: 'AccessDeniedException',
      msg: 'cannot list Kinesis shards: access denied (AccessDeniedException) to list',
    });
    expect(lines[0]).not.toHaveProperty('err');
    expect(lines[1]).toMatchObject({ failingForSeconds: 60, failures: 7 });
    log.clear('Kinesis shards listed again');
    log.clear('Kinesis shards listed again');
    expect(lines.filter((l) => l.msg === 'Kinesis shards listed again')).toHaveLength(1);
  });

  it('logs a changed problem at once, and keeps the stack of an unexpected error', () => {
    const { lines, logger } = capture();
    const log = new ProblemLog(logger, 'Kinesis call failed', () => 0);
    log.report('access-denied', new Error('x'), denied);
    log.report('transient', new Error('boom'), { code: 'Unknown', reason: 'cannot read: boom' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toHaveProperty('err.stack');
  });
});
