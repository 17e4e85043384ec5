/**
 * The labels of the task metrics taken from events: container exit codes
 * (once per task and container), accounts and regions kept apart, and
 * accounts and container names folded past the series cap while totals stay
 * exact.
 */
import { describe, expect, it } from 'vitest';
import { type Event, lines } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, fixtureLine, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];

describe('container exit codes', () => {
  it('once per task and container, at the first event with an integer exitCode; others are other', async () => {
    const oom = fixtureEvent('task-stopped-oom.json');
    const detail = oom.detail as { containers: Record<string, unknown>[]; version: number };
    const sidecar = { ...detail.containers[0], name: 'log-router', exitCode: 3 };
    const earlier = {
      ...oom,
      id: 'earlier',
      detail: { ...detail, version: detail.version - 1, containers: [sidecar] },
    };
    const stopped = {
      ...oom,
      detail: { ...detail, containers: [...detail.containers, { ...sidecar, exitCode: 0 }] },
    };
    const text = await expositionOf(lines([stopped, earlier, { ...stopped, id: 'x' }]), ARGS);
    // Counted exits; exit code 137 of each container exists from its first exit, at 0 until one.
    const exits = text
      .split('\n')
      .filter((l) => l.startsWith('ecs_container_exits_total{') && !l.endsWith(' 0'));
    expect(exits).toHaveLength(2);
    expect(text).toMatch(/container_name="log-router",exit_code="137"\} 0$/m);
    expect(exits.find((l) => l.includes('container_name="alpine-hello"'))).toMatch(
      /exit_code="137"\} 1$/,
    );
    // The stopped event came first: its exit code 0 for the sidecar is the one counted.
    expect(exits.find((l) => l.includes('container_name="log-router"'))).toMatch(
      /exit_code="0"\} 1$/,
    );
    const other = await expositionOf(lines([earlier]), ARGS);
    expect(other).toMatch(/container_name="log-router",exit_code="other"\} 1$/m);
  });
});

describe('many accounts and regions', () => {
  it('keeps two accounts’ clusters of the same name apart, on task metrics too', async () => {
    const task = fixtureEvent('task-exited.json');
    const detail = task.detail as Record<string, unknown>;
    const other: Event = {
      ...task,
      id: 'other',
      account: '999999999999',
      region: 'eu-west-1',
      detail: { ...detail, taskArn: `${detail.taskArn as string}-2` },
    };
    const text = await expositionOf([fixtureLine('task-exited.json'), JSON.stringify(other)], ARGS);
    const stopped = text
      .split('\n')
      .filter((l) => l.startsWith('ecs_task_stopped_total{') && / 1$/.test(l));
    expect(stopped).toHaveLength(2);
    expect(
      stopped.some((l) => l.includes('aws_account_id="999999999999",aws_region="eu-west-1"')),
    ).toBe(true);
  });
});

describe('the new labels under a flood', () => {
  it('accounts and container names fold into _other_ past the cap, regions and exit codes keep their values, totals stay exact', async () => {
    const oom = fixtureEvent('task-stopped-oom.json');
    const detail = oom.detail as { containers: Record<string, unknown>[]; taskArn: string };
    const flood = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        ...oom,
        id: `flood-${i}`,
        account: String(100000000000 + i),
        region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
        detail: {
          ...detail,
          taskArn: `${detail.taskArn}-${i}`,
          containers: [
            { ...detail.containers[0], name: `container-${i}`, exitCode: i % 3 === 0 ? 137 : 1 },
          ],
        },
      }),
    );
    const text = await expositionOf(flood, [...ARGS, '--max-series-per-metric', '40']);
    const exits = text.split('\n').filter((l) => l.startsWith('ecs_container_exits_total{'));
    expect(exits.length).toBeLessThanOrEqual(40 + 4);
    expect(sumOf(text, 'ecs_container_exits_total')).toBe(300);
    expect(sumOf(text, 'ecs_container_exits_total', 'exit_code="137"')).toBe(100);
    expect(sumOf(text, 'ecs_task_stopped_total', 'aws_region="eu-west-1"')).toBe(150);
    const folded = exits.filter((l) => l.includes('aws_account_id="_other_"'));
    expect(folded.length).toBeGreaterThan(0);
    for (const line of folded) expect(line).toContain('container_name="_other_"');
  });
});
