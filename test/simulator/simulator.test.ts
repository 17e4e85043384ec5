/**
 * The simulated corpus: reproducible from its seed, every task stopped once,
 * at-least-once delivery, every ECS event and metric of the catalog shown,
 * each task consistent in time; the real-time simulator in time order.
 */
import { describe, expect, it } from 'vitest';
import { STOP_REASON_NAMES } from '../../src/kinds/task-state-change/stop-reason.js';
import { canonicalExposition } from '../../src/metrics/canonical-exposition.js';
import { generateCorpus, TaskSimulator } from '../../src/simulator/simulator.js';
import { METRIC_CATALOG } from '../../tools/catalog.js';
import { expositionOf, freshCore, sample, sumOf } from '../helpers/exposition.js';

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
    // The other kinds' identities: a deployment's and a service action's content, an instance's version.
    const identities = (detailType: string, identity: (e: Record<string, unknown>) => unknown[]) =>
      new Set(
        events
          .filter((e) => e['detail-type'] === detailType)
          .map((e) => JSON.stringify(identity(e))),
      );
    const detail = (e: Record<string, unknown>) => e.detail as Record<string, unknown>;
    const deployments = identities('ECS Deployment State Change', (e) => {
      const d = detail(e);
      return [d.deploymentId, d.eventName, d.updatedAt, d.reason];
    });
    const actions = identities('ECS Service Action', (e) => {
      const d = detail(e);
      return [(e.resources as string[])[0], d.eventName, d.createdAt, d.reason ?? 'none'];
    });
    const instances = identities('ECS Container Instance State Change', (e) => {
      const d = detail(e);
      return [d.containerInstanceArn, d.version];
    });
    // The kinds of ECS Managed Instances, by the identities of the metrics contract.
    const daemonDeployments = identities('ECS Daemon Deployment State Change', (e) => {
      const d = detail(e);
      return [d.daemonDeploymentArn, d.eventName, d.updatedAt];
    });
    const daemonActions = identities('ECS Daemon Service Action', (e) => {
      const d = detail(e);
      return [d.daemonArn, d.containerInstanceArn, d.failureType, d.taskArn ?? null, d.createdAt];
    });
    const health = identities('ECS Container Instance Health Change', (e) => {
      const d = detail(e);
      const checks = d.healthChecks as Record<string, unknown>[];
      return [
        d.containerInstanceArn,
        e.time,
        d.overallStatus,
        checks.map((c) => [c.type, c.status, c.lastStatusChange]),
      ];
    });
    const hooks = identities('ECS Hook State Change', (e) => {
      const d = detail(e);
      return [d.hookId, d.eventName, d.updatedAt];
    });
    for (const set of [deployments, actions, instances]) expect(set.size).toBeGreaterThan(20);
    for (const set of [daemonDeployments, daemonActions, health, hooks]) {
      expect(set.size).toBeGreaterThan(3);
    }
    expect(ids.size).toBeLessThan(events.length);
    expect(sample(text, 'ecs_events_exporter_records_total{result="processed"}')).toBe(
      pairs.size +
        deployments.size +
        actions.size +
        instances.size +
        daemonDeployments.size +
        daemonActions.size +
        health.size +
        hooks.size,
    );
    const duplicates = sample(text, 'ecs_events_exporter_records_total{result="duplicate"}') ?? 0;
    expect(duplicates / events.length).toBeGreaterThan(0.02);
    expect(duplicates / events.length).toBeLessThan(0.1);
    expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(0);
  });

  it('shows every other ECS event an operator pages on, in two accounts and regions', async () => {
    const text = await expositionOf(lines);
    for (const outcome of ['started', 'completed', 'failed', 'rolled_back']) {
      expect(
        sumOf(text, 'ecs_service_deployments_total', `outcome="${outcome}"`),
        outcome,
      ).toBeGreaterThan(0);
    }
    // Most deployments complete; the circuit breaker rolls back a few.
    const completed = sumOf(text, 'ecs_service_deployments_total', 'outcome="completed"');
    const rolledBack = sumOf(text, 'ecs_service_deployments_total', 'outcome="rolled_back"');
    expect(rolledBack).toBeLessThan(completed / 2);
    expect(sumOf(text, 'ecs_service_deployments_total', 'outcome="failed"')).toBe(rolledBack);
    for (const outcome of ['completed', 'failed']) {
      expect(
        sumOf(text, 'ecs_service_deployment_duration_seconds_count', `outcome="${outcome}"`),
        outcome,
      ).toBeGreaterThan(0);
    }
    for (const reason of ['RESOURCE:MEMORY', 'RESOURCE:CPU', 'RESOURCE:FARGATE']) {
      expect(
        sumOf(
          text,
          'ecs_service_action_events_total',
          `event_name="SERVICE_TASK_PLACEMENT_FAILURE",event_type="WARN",reason="${reason}"`,
        ),
        reason,
      ).toBeGreaterThan(0);
    }
    for (const name of ['SERVICE_STEADY_STATE', 'SERVICE_TASK_START_IMPAIRED']) {
      expect(
        sumOf(text, 'ecs_service_action_events_total', `event_name="${name}"`),
        name,
      ).toBeGreaterThan(0);
    }
    // Agents that disconnected and came back: both states counted, every instance connected at the end.
    for (const connected of ['true', 'false']) {
      expect(
        sumOf(
          text,
          'ecs_container_instance_state_changes_total',
          `status="ACTIVE",agent_connected="${connected}"`,
        ),
      ).toBeGreaterThan(0);
    }
    expect(sumOf(text, 'ecs_container_instances', 'agent_connected="false"')).toBe(0);
    expect(sumOf(text, 'ecs_container_instances', 'agent_connected="true"')).toBeGreaterThan(0);
    // Exit codes: mostly 0, then 143 (stops on SIGTERM), 1, 137 (OOM kills); sidecars too.
    const exits = (code: string) => sumOf(text, 'ecs_container_exits_total', `exit_code="${code}"`);
    expect(exits('0')).toBeGreaterThan(exits('143'));
    expect(exits('143')).toBeGreaterThan(exits('137'));
    expect(exits('1')).toBeGreaterThan(exits('2'));
    expect(exits('137')).toBeGreaterThan(0);
    expect(sumOf(text, 'ecs_container_exits_total', 'container_name="envoy"')).toBeGreaterThan(0);
    // Two accounts, each in its own region, both with a cluster named prod.
    for (const [account, region] of [
      ['123456789012', 'eu-west-1'],
      ['210987654321', 'us-east-1'],
    ]) {
      const where = `aws_account_id="${account}",aws_region="${region}",ecs_cluster="prod"`;
      for (const metric of [
        'ecs_task_stopped_total',
        'ecs_service_deployments_total',
        'ecs_service_action_events_total',
        'ecs_container_instance_state_changes_total',
        'ecs_container_exits_total',
      ]) {
        expect(sumOf(text, metric, where), `${metric} ${account}`).toBeGreaterThan(0);
      }
    }
  });

  it('shows every new metric: daemon deployments and rollbacks, daemon start failures, instance health episodes, hooks', async () => {
    const text = await expositionOf(lines);
    for (const status of [
      'pending',
      'in_progress',
      'successful',
      'rollback_in_progress',
      'rollback_successful',
      'rollback_failed',
    ]) {
      expect(
        sumOf(text, 'ecs_daemon_deployments_total', `status="${status}"`),
        status,
      ).toBeGreaterThan(0);
    }
    expect(sumOf(text, 'ecs_daemon_deployment_duration_seconds_count')).toBeGreaterThan(0);
    for (const failure of ['TASK_FAILED_TO_RUN', 'TASK_CREATION_FAILED']) {
      expect(
        sumOf(text, 'ecs_daemon_task_start_impaired_total', `failure_type="${failure}"`),
        failure,
      ).toBeGreaterThan(0);
    }
    for (const reason of ['XID_', 'agent_disconnected', 'daemon_unhealthy']) {
      expect(
        sumOf(
          text,
          'ecs_container_instance_health_changes_total',
          'status="IMPAIRED"',
          `reason="${reason}`,
        ),
        reason,
      ).toBeGreaterThan(0);
    }
    // Every episode recovers: at the end no instance is impaired.
    expect(sumOf(text, 'ecs_container_instance_health', 'status="IMPAIRED"')).toBe(0);
    expect(
      sumOf(text, 'ecs_container_instance_health', 'check="overall"', 'status="OK"'),
    ).toBeGreaterThan(0);
    for (const status of ['in_progress', 'awaiting_action', 'succeeded', 'failed', 'timed_out']) {
      expect(
        sumOf(text, 'ecs_service_deployment_hooks_total', `status="${status}"`),
        status,
      ).toBeGreaterThan(0);
    }
    expect(sumOf(text, 'ecs_service_deployment_hooks_awaiting_action')).toBe(0);
  });

  it('shows every ECS metric of the catalog above zero at some point of the corpus', async () => {
    const core = freshCore();
    const seen = new Set<string>();
    const step = Math.ceil(lines.length / 20);
    for (let i = 0; i < lines.length; i += step) {
      for (const line of lines.slice(i, i + step)) core.pipeline.handle(line);
      for (const row of canonicalExposition(await core.exposition()).split('\n')) {
        if (row.startsWith('#') || / 0$/.test(row)) continue;
        seen.add(row.slice(0, row.search(/[{ ]/)).replace(/_(bucket|sum|count)$/, ''));
      }
    }
    const ecs = METRIC_CATALOG.filter((m) => m.group === 'task' || m.group === 'ecs');
    expect(ecs.map((m) => m.name).filter((name) => !seen.has(name))).toEqual([]);
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
