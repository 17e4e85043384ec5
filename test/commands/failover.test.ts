/**
 * Active/standby against real servers: kinesalite (a 4-shard stream, one
 * shard split on the way), s3rver for the state and dynalite for the lease.
 * The leader is killed with kill -9 again and again while two or three
 * replicas run; at the end the leader's totals equal a replay, no two
 * replicas moved the state pointer under the same lease counter, and no
 * replica's counters ever went backwards. A leader paused past the lease
 * expiry cannot write after it resumes.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/simulator/random.js';
import { generateCorpus } from '../../src/simulator/simulator.js';
import { exited } from '../helpers/cli.js';
import {
  createLeaseTable,
  type DynamoTestServer,
  startDynamoServer,
} from '../helpers/dynamo-server.js';
import { durableCounterSamples, expositionOf, sumOf, taskLines } from '../helpers/exposition.js';
import {
  type KinesisTestServer,
  listShards,
  splitShard,
  startKinesisServer,
  waitFor,
} from '../helpers/kinesis-server.js';
import { addStream, type LocalStream, startRun } from '../helpers/run-exporter.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

let kinesis: KinesisTestServer;
let s3: S3TestServer;
let dynamo: DynamoTestServer;

beforeAll(async () => {
  kinesis = await startKinesisServer();
  s3 = await startS3Server(['ha-state']);
  dynamo = await startDynamoServer();
  await createLeaseTable(dynamo.client, 'leases');
});

afterAll(async () => {
  await kinesis?.close();
  await s3?.close();
  await dynamo?.close();
});

interface Replica {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** Last value of each counter-like series seen in this replica's scrapes. */
  readonly seen: Map<string, number>;
}

/** A replica of `run` on `stream`, its state in S3 under `prefix`, its lease in DynamoDB. */
async function startReplica(stream: LocalStream, prefix: string): Promise<Replica> {
  const run = await startRun(stream, {
    state: { url: `s3://ha-state/${prefix}` },
    env: { ...s3.env, ...dynamo.env },
    args: [
      '--lease-table',
      'leases',
      '--lease-duration',
      '3s',
      '--idle-delay',
      '50ms',
      '--checkpoint-interval',
      '150ms',
      '--shard-list-interval',
      '500ms',
      '--log-level',
      'debug',
    ],
  });
  return { child: run.child, url: run.url, output: run.log, seen: new Map() };
}

/** Scrapes a replica; checks that nothing went backwards in its lifetime; says whether it leads. */
async function scrape(replica: Replica): Promise<{ leader: boolean; text: string } | undefined> {
  let text: string;
  try {
    text = await (await fetch(`${replica.url}/metrics`)).text();
  } catch {
    return undefined;
  }
  for (const [series, value] of durableCounterSamples(text)) {
    const before = replica.seen.get(series) ?? 0;
    expect(value, `${series} went from ${before} to ${value}`).toBeGreaterThanOrEqual(before);
    replica.seen.set(series, value);
  }
  return { leader: /^ecs_events_exporter_leader 1$/m.test(text), text };
}

async function findLeader(replicas: readonly Replica[], timeoutMs: number): Promise<Replica> {
  let found: Replica | undefined;
  await waitFor(
    async () => {
      for (const r of replicas) {
        if ((await scrape(r))?.leader) {
          found = r;
          return true;
        }
      }
      return false;
    },
    timeoutMs,
    'a leader',
    50,
  );
  return found as Replica;
}

/** (owner, lease counter) of every pointer move in a replica's log. */
function pointerMoves(output: string): { owner: string; counter: number }[] {
  const moves: { owner: string; counter: number }[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('state pointer moved under the lease')) continue;
    const entry = JSON.parse(line) as { owner: string; leaseCounter: number };
    moves.push({ owner: entry.owner, counter: entry.leaseCounter });
  }
  return moves;
}

function corpus(seed: number, tasks: number): string[] {
  return generateCorpus({ tasks, seed, startMs: Date.now() - 7_200_000 }).map((e) =>
    JSON.stringify(e),
  );
}

describe('active/standby on a DynamoDB lease', () => {
  it('kill -9 of the leader, again and again: exact totals, one writer per counter, no counter backwards', async () => {
    const stream = await addStream(kinesis, 'failover', 4);
    const replica = () => startReplica(stream, 'chaos');
    const random = createRandom(4242);
    const events = corpus(99, 400);
    const rounds = 4;
    const size = Math.ceil(events.length / rounds);
    const replicas: Replica[] = [await replica(), await replica()];
    const all: Replica[] = [...replicas];
    const failovers: number[] = [];
    try {
      const chunk = (i: number) => events.slice(i * size, (i + 1) * size);
      await stream.put(chunk(0));
      for (let round = 0; round < rounds; round++) {
        const leader = await findLeader(replicas, 20_000);
        if (round === 1) {
          const open = (await listShards(kinesis.admin, stream.name)).find(
            (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
          );
          await splitShard(kinesis.admin, stream.name, open?.ShardId as string);
        }
        const until = Date.now() + 300 + random.next() * 700;
        while (Date.now() < until) {
          for (const r of replicas) await scrape(r);
          await new Promise((r) => setTimeout(r, 30));
        }
        const killedAt = Date.now();
        leader.child.kill('SIGKILL');
        expect(await exited(leader.child)).toBeNull();
        replicas.splice(replicas.indexOf(leader), 1);
        // Records the new leader must count: the failover ends with the first of them.
        const last = round === rounds - 1;
        if (!last) await stream.put(chunk(round + 1));
        // A replacement, as the orchestrator would start, sometimes before the takeover.
        const replacement = replica();
        if (!last) {
          const next = await findLeader(replicas, 20_000);
          await waitFor(
            () => /first records counted as leader/.test(next.output()),
            20_000,
            'the new leader to count',
          );
          const line = next
            .output()
            .split('\n')
            .find((l) => l.includes('first records counted as leader')) as string;
          failovers.push((JSON.parse(line) as { time: number }).time - killedAt);
        }
        replicas.push(await replacement);
        all.push(replicas[replicas.length - 1] as Replica);
      }
      const leader = await findLeader(replicas, 20_000);
      let text = '';
      await waitFor(
        async () => {
          text = (await scrape(leader))?.text ?? '';
          return sumOf(text, 'ecs_events_exporter_records_total') >= events.length;
        },
        30_000,
        'every record counted',
      );
      await new Promise((r) => setTimeout(r, 500));
      text = (await scrape(leader))?.text ?? '';
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
      expect(taskLines(text)).toBe(taskLines(await expositionOf(events)));
      // Standbys serve self metrics only.
      for (const r of replicas.filter((x) => x !== leader)) {
        const standby = (await scrape(r))?.text ?? '';
        expect(standby).toMatch(/^ecs_events_exporter_leader 0$/m);
        expect(standby).not.toMatch(/^ecs_task_/m);
        expect(await (await fetch(`${r.url}/readyz`)).text()).toMatch(
          /standby: the lease is held by .* taken over when not renewed for 3 s/,
        );
      }
    } finally {
      for (const r of replicas) r.child.kill('SIGTERM');
      for (const r of replicas) await exited(r.child);
    }
    const byCounter = new Map<number, string>();
    for (const r of all) {
      for (const { owner, counter } of pointerMoves(r.output())) {
        const other = byCounter.get(counter);
        expect(
          other === undefined || other === owner,
          `counter ${counter}: ${other} and ${owner}`,
        ).toBe(true);
        byCounter.set(counter, owner);
      }
    }
    expect(new Set(byCounter.values()).size).toBeGreaterThanOrEqual(rounds);
    for (const ms of failovers) expect(ms).toBeLessThan(3000 + 5000);
  }, 180_000);

  it('a leader paused past the lease expiry cannot write after it resumes, and exits', async () => {
    const stream = await addStream(kinesis, 'paused', 2);
    const replica = () => startReplica(stream, 'paused');
    const events = corpus(7, 150);
    const a = await replica();
    await findLeader([a], 10_000);
    const b = await replica();
    try {
      await stream.put(events.slice(0, 200));
      await waitFor(
        async () =>
          sumOf((await scrape(a))?.text ?? '', 'ecs_events_exporter_records_total') >= 200,
        10_000,
        'the first records counted by a',
      );
      a.child.kill('SIGSTOP');
      const movesBefore = pointerMoves(a.output()).length;
      await waitFor(() => /lease taken/.test(b.output()), 15_000, 'b to take over');
      await stream.put(events.slice(200));
      await waitFor(
        async () =>
          sumOf((await scrape(b))?.text ?? '', 'ecs_events_exporter_records_total') >=
          events.length,
        15_000,
        'every record counted by b',
      );
      a.child.kill('SIGCONT');
      expect(await exited(a.child)).toBe(1);
      expect(a.output()).toMatch(/lease lost; stopping without saving/);
      expect(pointerMoves(a.output()).length).toBe(movesBefore);
      await new Promise((r) => setTimeout(r, 500));
      const text = (await scrape(b))?.text ?? '';
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
      expect(taskLines(text)).toBe(taskLines(await expositionOf(events)));
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGTERM');
      expect(await exited(b.child)).toBe(0);
    }
  }, 60_000);

  it('a leader stopped gracefully saves, releases the lease, and a standby takes over at once', async () => {
    const stream = await addStream(kinesis, 'graceful', 2);
    const replica = () => startReplica(stream, 'graceful');
    const events = corpus(5, 60);
    const a = await replica();
    await findLeader([a], 10_000);
    const b = await replica();
    try {
      await stream.put(events);
      await waitFor(
        async () =>
          sumOf((await scrape(a))?.text ?? '', 'ecs_events_exporter_records_total') >=
          events.length,
        10_000,
        'every record counted by a',
      );
      const stoppedAt = Date.now();
      a.child.kill('SIGTERM');
      expect(await exited(a.child)).toBe(0);
      expect(a.output()).toMatch(/lease released/);
      await waitFor(() => /lease taken/.test(b.output()), 5_000, 'b to take over');
      // Well inside the 3 s lease: the release, not the expiry, handed it over.
      expect(Date.now() - stoppedAt).toBeLessThan(2_500);
      await findLeader([b], 5_000);
      const text = (await scrape(b))?.text ?? '';
      expect(sumOf(text, 'ecs_events_exporter_records_total')).toBe(events.length);
    } finally {
      b.child.kill('SIGTERM');
      expect(await exited(b.child)).toBe(0);
    }
  }, 60_000);
});
