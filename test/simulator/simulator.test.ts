import { describe, expect, it } from 'vitest';
import { STOP_REASON_NAMES } from '../../src/kinds/task-state-change/stop-reason.js';
import { generateCorpus, TaskSimulator } from '../../src/simulator/simulator.js';
import { expositionOf, sample, sumOf } from '../helpers/exposition.js';

describe('simulated corpus', () => {
  const tasks = 2000;
  const events = generateCorpus({ tasks, seed: 11 });
  const lines = events.map((e) => JSON.stringify(e));

  it('is reproducible from its seed', () => {
    expect(generateCorpus({ tasks: 50, seed: 3 })).toEqual(generateCorpus({ tasks: 50, seed: 3 }));
  });

  it('stops every task exactly once and covers every reason class it simulates', async () => {
    const text = await expositionOf(lines);
    expect(sumOf(text, 'ecs_task_stopped_total')).toBe(tasks);
    // The simulator has no scenario for these classes yet; their texts are pinned by the unit tests.
    const notSimulated = [
      'other',
      'container_start_failed',
      'network_provisioning_failed',
      'infrastructure_maintenance',
    ];
    for (const reason of STOP_REASON_NAMES.filter((r) => !notSimulated.includes(r))) {
      expect(sumOf(text, 'ecs_task_stopped_total', `reason="${reason}"`), reason).toBeGreaterThan(
        0,
      );
    }
    expect(sumOf(text, 'ecs_task_stopped_total', 'stop_code="none"')).toBeGreaterThan(0);
    expect(sumOf(text, 'ecs_task_state_transitions_total', 'launch_type="EC2"')).toBeGreaterThan(0);
  });

  it('delivers at least once: duplicates (same or new id) and other ECS events mixed in', async () => {
    const text = await expositionOf(lines);
    const ids = new Set(events.map((e) => e.id));
    const pairs = new Set(
      events
        .filter((e) => e['detail-type'] === 'ECS Task State Change')
        .map((e) => {
          const d = e.detail as { taskArn: string; version: number };
          return `${d.taskArn}#${d.version}`;
        }),
    );
    // Deployment events are identified by their content.
    const deployments = new Set(
      events
        .filter((e) => e['detail-type'] === 'ECS Deployment State Change')
        .map((e) => {
          const d = e.detail as Record<string, unknown>;
          return JSON.stringify([d.deploymentId, d.eventName, d.updatedAt, d.reason]);
        }),
    );
    expect(deployments.size).toBeGreaterThan(0);
    expect(ids.size).toBeLessThan(events.length);
    expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(
      pairs.size + deployments.size,
    );
    const duplicates = sample(text, 'ecs_events_exporter_records_total{result="duplicate"}') ?? 0;
    expect(duplicates / events.length).toBeGreaterThan(0.02);
    expect(duplicates / events.length).toBeLessThan(0.1);
    expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(0);
  });

  it('keeps each task consistent: versions grow with time and timestamps are cumulative', () => {
    const byTask = new Map<string, Record<string, unknown>[]>();
    for (const e of events) {
      if (e['detail-type'] !== 'ECS Task State Change') continue;
      const d = e.detail as Record<string, unknown>;
      const list = byTask.get(d.taskArn as string) ?? [];
      list.push(d);
      byTask.set(d.taskArn as string, list);
    }
    for (const details of byTask.values()) {
      const ordered = [...new Map(details.map((d) => [d.version, d])).values()].sort(
        (a, b) => (a.version as number) - (b.version as number),
      );
      let seen = new Set<string>();
      for (const d of ordered) {
        const fields = new Set(Object.keys(d).filter((k) => k.endsWith('At')));
        for (const field of seen) expect(fields.has(field), field).toBe(true);
        seen = fields;
      }
      expect(ordered.at(-1)?.lastStatus).toBe('STOPPED');
    }
  });

  it('the real-time simulator emits batches in order of their time', async () => {
    let now = Date.UTC(2026, 0, 1);
    const batches: Record<string, unknown>[][] = [];
    const simulator = new TaskSimulator({
      emit: (e) => void batches.push(e),
      seed: 5,
      now: () => now,
      tickMs: 5,
    });
    simulator.start();
    for (let i = 0; i < 20; i++) {
      now += 1000;
      await new Promise((r) => setTimeout(r, 10));
    }
    await simulator.stop();
    const all = batches.flat();
    expect(all.length).toBeGreaterThan(20);
    expect(simulator.emitted).toBe(all.length);
  });
});
