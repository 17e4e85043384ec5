/**
 * DynamoLease against dynalite on 127.0.0.1: taking, renewing, waiting,
 * taking over after the duration, release, a race for an expired lease won by
 * one, and a missing table named in words an operator can act on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLease, LeaseLost } from '../../src/leases/lease.js';
import type { StatePointer } from '../../src/state/state-pointer.js';
import {
  createLeaseTable,
  type DynamoTestServer,
  startDynamoServer,
} from '../helpers/dynamo-server.js';

let dynamo: DynamoTestServer;
let keys = 0;

beforeAll(async () => {
  dynamo = await startDynamoServer();
  await createLeaseTable(dynamo.client, 'leases');
});
afterAll(async () => {
  await dynamo?.close();
});

/** Two replicas of one lease, each with a monotonic clock the test moves. */
function replicas() {
  keys += 1;
  const key = `s3://b/p${keys}/`;
  const make = (owner: string) => {
    const clock = { ms: 1_000_000 * keys };
    const lease = new DynamoLease({
      client: dynamo.client,
      table: 'leases',
      key,
      owner,
      durationMs: 10_000,
      monotonicMs: () => clock.ms,
    });
    return { lease, clock };
  };
  return { a: make('replica-a'), b: make('replica-b') };
}

const pointer = (sequence: number): StatePointer => ({
  key: `p/state-${sequence}.json`,
  size: 1,
  sha256: '0'.repeat(64),
  sequence,
});

describe('DynamoLease against dynalite', () => {
  it('the first replica takes a free lease; another waits while it is renewed', async () => {
    const { a, b } = replicas();
    expect(await a.lease.tryAcquire()).toMatchObject({ acquired: true, counter: 1 });
    const waiting = await b.lease.tryAcquire();
    expect(waiting).toMatchObject({ acquired: false, holder: { owner: 'replica-a', counter: 1 } });
    // Renewals change the counter: the waiting replica's clock starts again each time.
    for (let i = 0; i < 5; i++) {
      b.clock.ms += 6000;
      a.clock.ms += 3000;
      await a.lease.renew();
      expect((await b.lease.tryAcquire()).acquired).toBe(false);
    }
    expect(a.lease.holds()).toBe(true);
  });

  it("takes over after the lease duration on the waiting replica's own clock, and fences the old holder", async () => {
    const { a, b } = replicas();
    await a.lease.tryAcquire();
    await a.lease.write(pointer(await a.lease.nextSequence()));
    expect((await b.lease.tryAcquire()).acquired).toBe(false);
    b.clock.ms += 9_999;
    expect((await b.lease.tryAcquire()).acquired).toBe(false);
    b.clock.ms += 2;
    const taken = await b.lease.tryAcquire();
    expect(taken).toMatchObject({ acquired: true, from: 'replica-a' });
    // The old holder, paused all along, wakes up: neither its pointer nor its renewal lands.
    await expect(a.lease.write(pointer(99))).rejects.toBeInstanceOf(LeaseLost);
    await expect(a.lease.renew()).rejects.toBeInstanceOf(LeaseLost);
    expect((await b.lease.read())?.sequence).toBe(1);
    // The new holder's sequence is above every one the old holder wrote under.
    expect(await b.lease.nextSequence()).toBeGreaterThan(2);
    await b.lease.write(pointer(await b.lease.nextSequence()));
    expect((await a.lease.read())?.sequence).toBe((await b.lease.nextSequence()) - 1);
  });

  it('a released lease is taken at once', async () => {
    const { a, b } = replicas();
    await a.lease.tryAcquire();
    expect((await b.lease.tryAcquire()).acquired).toBe(false);
    await a.lease.release();
    expect(await b.lease.tryAcquire()).toMatchObject({ acquired: true });
  });

  it('two replicas racing for an expired lease: exactly one gets it', async () => {
    const { a, b } = replicas();
    const c = new DynamoLease({
      client: dynamo.client,
      table: 'leases',
      key: `s3://b/p${keys}/`,
      owner: 'replica-c',
      durationMs: 10_000,
      monotonicMs: () => b.clock.ms,
    });
    await a.lease.tryAcquire();
    await Promise.all([b.lease.tryAcquire(), c.tryAcquire()]);
    b.clock.ms += 10_001;
    const results = await Promise.all([b.lease.tryAcquire(), c.tryAcquire()]);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it('a missing table fails the probe with words an operator can act on', async () => {
    const lease = new DynamoLease({
      client: dynamo.client,
      table: 'no-such-table',
      key: 'k',
      owner: 'o',
      durationMs: 10_000,
    });
    await expect(lease.probe()).rejects.toThrow(
      /cannot read the lease table no-such-table: the table does not exist \(ResourceNotFoundException\)/,
    );
  });
});
