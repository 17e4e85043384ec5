/**
 * ECS Container Instance State Change events: each (instance, version)
 * counted once, the gauge at the highest version, and the fields refused.
 */
import { describe, expect, it } from 'vitest';
import { lines, withDetail } from '../../helpers/events.js';
import { expositionOf, fixtureEvent, sample, sumOf } from '../../helpers/exposition.js';

const ARGS = ['--stopped-task-retention', '365d'];
const CLUSTER = 'aws_account_id="111122223333",aws_region="us-west-2",ecs_cluster="production"';

describe('container instances', () => {
  const disconnected = fixtureEvent('container-instance-disconnected.json');
  const at = (version: number, status: string, agentConnected: boolean, id: string) =>
    withDetail(disconnected, { version, status, agentConnected }, id);

  it('counts each (instance, version) once; the gauge follows the highest version', async () => {
    const events = [
      at(14803, 'DRAINING', true, 'c'),
      disconnected,
      at(14802, 'ACTIVE', true, 'b'),
      { ...disconnected, id: 'resent' },
    ];
    const text = await expositionOf(lines(events), ARGS);
    expect(
      sample(
        text,
        `ecs_container_instance_state_changes_total{${CLUSTER},status="ACTIVE",agent_connected="false"}`,
      ),
    ).toBe(1);
    expect(sumOf(text, 'ecs_container_instance_state_changes_total')).toBe(3);
    expect(
      sample(text, `ecs_container_instances{${CLUSTER},status="DRAINING",agent_connected="true"}`),
    ).toBe(1);
    expect(sumOf(text, 'ecs_container_instances')).toBe(1);
  });

  it('refuses a version that is not an integer and an agentConnected that is not a boolean', async () => {
    const text = await expositionOf(
      lines([
        withDetail(disconnected, { version: '3' }, 'a'),
        withDetail(disconnected, { agentConnected: 'no' }, 'b'),
      ]),
      ARGS,
    );
    expect(sample(text, 'ecs_events_exporter_records_total{result="invalid"}')).toBe(2);
  });
});
