/**
 * The CloudFormation template, parsed with its intrinsic tags: references
 * resolve, rules and partition keys, the stream target with retries and a
 * dead-letter queue and its alarm, least-privilege IAM, scrape access only
 * from what the operator names.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/config.js';
import { checkPatternFile } from '../../src/pattern/check-pattern.js';
import { parseTemplate } from '../../src/pattern/cloudformation-template.js';
import { matchesEventPattern } from '../../src/pattern/event-pattern.js';
import { REFERENCE_EVENTS } from '../../src/pattern/reference-events.js';

const PATH = new URL('../../deploy/cloudformation/ecs-events-exporter.yaml', import.meta.url);
const SEED_PATTERN = JSON.parse(
  readFileSync(new URL('../fixtures/patterns/seed.json', import.meta.url), 'utf8'),
) as unknown;

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
const template = parseTemplate(readFileSync(PATH, 'utf8')) as {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, unknown>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
};
const resources = template.Resources;
const ofType = (type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type) as [string, Resource][];
const only = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: { Service?: string };
  Condition?: Record<string, Record<string, unknown>>;
}
const policyStatements = (role: Resource): Statement[] =>
  ((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every {Ref: X} and {"Fn::GetAtt": [X, …]} under a value. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') out.push(obj.Ref);
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt)) out.push(String(getAtt[0]));
    for (const v of Object.values(obj)) references(v, out);
  }
  return out;
}

describe('CloudFormation template', () => {
  const [streamId] = only('AWS::Kinesis::Stream');
  const [queueId] = only('AWS::SQS::Queue');
  const rules = ofType('AWS::Events::Rule');
  const [ruleId, rule] = rules.find(([id]) => id === 'TaskStateChangeRule') as [string, Resource];
  const targetOf = (r: Resource) =>
    (r.Properties.Targets as Record<string, unknown>[])[0] as Record<string, unknown>;
  const target = targetOf(rule);

  it('parses, with CloudFormation intrinsic tags, and every reference resolves', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    const known = new Set([
      ...Object.keys(resources),
      ...Object.keys(template.Parameters),
      'AWS::AccountId',
      'AWS::Region',
      'AWS::Partition',
      'AWS::NoValue',
    ]);
    const refs = references(template);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(known, ref).toContain(ref);
    for (const r of Object.values(resources)) {
      if (r.Condition !== undefined)
        expect(Object.keys(template.Conditions)).toContain(r.Condition);
    }
  });

  it("has the seed note's pattern for tasks, and with the other rule sends every detail-type the exporter counts: check-pattern judges it OK", async () => {
    expect(rule.Properties.EventPattern).toEqual(SEED_PATTERN);
    expect(rules.map(([id]) => id).sort()).toEqual(['ServiceAndInstanceEventsRule', ruleId]);
    for (const [, r] of rules) expect(r.Properties.State).toBe('ENABLED');
    const report = await checkPatternFile(fileURLToPath(PATH));
    expect(report).toMatchObject({ kind: 'cloudformation', valid: true, complete: true });
    expect(report.patterns.find((p) => p.name === ruleId)?.broken).toEqual([]);
    expect(report.together?.broken).toEqual([]);
    expect(report.together?.notSent).toEqual([]);
    for (const d of report.together?.detailTypes ?? [])
      expect(d.passed, d.detailType).toBe(d.events);
    const seeds = report.patterns
      .find((p) => p.name === ruleId)
      ?.matches.filter((m) => m.event.startsWith('task-'));
    expect(seeds).toEqual([
      { event: 'task-exited', matched: true },
      { event: 'task-failed-to-start', matched: true },
    ]);
  });

  it('gives each rule a partition key path that every event it sends has, or none (the event id), and no event to two rules', () => {
    /** The value at a path like $.detail.taskArn or $.resources[0]. */
    const at = (event: unknown, path: string) =>
      path
        .replace(/^\$\./, '')
        .split(/\.|\[(\d+)\]/)
        .filter((k) => k !== undefined && k !== '')
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], event);
    const sentBy = new Map<string, string>();
    for (const [id, r] of rules) {
      // Without KinesisParameters EventBridge keys a record by its event id, which every event has.
      const path =
        (targetOf(r).KinesisParameters as { PartitionKeyPath: string } | undefined)
          ?.PartitionKeyPath ?? '$.id';
      const sent = REFERENCE_EVENTS.filter((e) =>
        matchesEventPattern(r.Properties.EventPattern, e.event),
      );
      expect(sent.length, id).toBeGreaterThan(0);
      for (const e of sent) {
        expect(typeof at(e.event, path), `${id}: ${path} in ${e.name}`).toBe('string');
        expect(sentBy.get(e.name), `${e.name} sent twice`).toBeUndefined();
        sentBy.set(e.name, id);
      }
    }
  });

  it('targets the stream, tasks partitioned by task, with retries and a dead-letter queue', () => {
    expect(target.KinesisParameters).toEqual({ PartitionKeyPath: '$.detail.taskArn' });
    for (const [id, r] of rules) {
      expect(r.Properties.Targets, id).toHaveLength(1);
      const t = targetOf(r);
      expect(t.Arn, id).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });
      expect(t.RoleArn, id).toEqual(target.RoleArn);
      expect(t.RetryPolicy, id).toEqual({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      expect(t.DeadLetterConfig, id).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    }
  });

  it('lets EventBridge put records into the stream, and dead letters into the queue', () => {
    const roleId = (target.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
    const role = resources[roleId] as Resource;
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(trust.map((s) => s.Principal?.Service)).toEqual(['events.amazonaws.com']);
    const statements = policyStatements(role);
    expect(statements.flatMap(actions).sort()).toEqual(['kinesis:PutRecord', 'kinesis:PutRecords']);
    for (const s of statements) expect(s.Resource).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });

    const [, queuePolicy] = only('AWS::SQS::QueuePolicy');
    expect(queuePolicy.Properties.Queues).toEqual([{ Ref: queueId }]);
    const [statement] = (queuePolicy.Properties.PolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      Condition: {
        ArnEquals: { 'aws:SourceArn': rules.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] })) },
      },
    });
  });

  it('alarms in CloudWatch when a dead letter is in the queue, telling the topic given', () => {
    const [, alarm] = only('AWS::CloudWatch::Alarm');
    expect(alarm.Condition).toBe(resources[queueId]?.Condition);
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const toTopic = {
      'Fn::If': ['AlarmToTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
    };
    expect(alarm.Properties.AlarmActions).toEqual(toTopic);
    expect(alarm.Properties.OKActions).toEqual(toTopic);
    expect(template.Parameters.AlarmTopicArn).toMatchObject({ Type: 'String', Default: '' });
    const runbook = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');
    expect(runbook).toContain('# EventBridge dead-letter queue alarm');
    expect(alarm.Properties.AlarmDescription).toContain('EventBridge dead-letter queue alarm');
  });

  it('gives the exporter task only the Kinesis reads it needs, on that stream only', () => {
    const [, taskDefinition] = only('AWS::ECS::TaskDefinition');
    const taskRoleId = (taskDefinition.Properties.TaskRoleArn as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    const statements = policyStatements(resources[taskRoleId] as Resource);
    const byResource = new Map(
      statements.map((s) => [JSON.stringify(s.Resource), actions(s).sort()]),
    );
    const [bucketId] = only('AWS::S3::Bucket');
    const [tableId] = only('AWS::DynamoDB::Table');
    expect(Object.fromEntries(byResource)).toEqual({
      [JSON.stringify({ 'Fn::GetAtt': [streamId, 'Arn'] })]: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ],
      // Objects under the state prefix only, never the bucket itself.
      [JSON.stringify({ 'Fn::Sub': `\${${bucketId}.Arn}/ecs-events-exporter/*` })]: [
        's3:DeleteObject',
        's3:GetObject',
        's3:PutObject',
      ],
      [JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] })]: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
    });
    for (const s of statements) expect(s.Effect).toBe('Allow');
    // No IAM statement anywhere grants a wildcard action, or a wildcard resource
    // but the objects under one S3 prefix.
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const s of policyStatements(role)) {
        expect(JSON.stringify(s.Resource).replace('/ecs-events-exporter/*', '')).not.toContain('*');
        for (const a of actions(s)) expect(a).not.toContain('*');
      }
    }
  });

  it('admits scrapes only from what the operator names: a CIDR or a security group, no default', () => {
    const parameters = template.Parameters as Record<string, { Default?: string }>;
    expect(parameters.ScrapeCidr?.Default).toBe('');
    expect(parameters.ScrapeSourceSecurityGroup?.Default).toBe('');
    const rules = (template as unknown as { Rules: Record<string, { Assertions: unknown[] }> })
      .Rules;
    const assertion = JSON.stringify(rules.ScrapersNamed?.Assertions);
    expect(assertion).toContain('ScrapeCidr');
    expect(assertion).toContain('ScrapeSourceSecurityGroup');
    const [, group] = only('AWS::EC2::SecurityGroup');
    const ingress = JSON.stringify(group.Properties.SecurityGroupIngress);
    expect(ingress).not.toContain('10.0.0.0/8');
    expect(ingress).toContain('"CidrIp":{"Ref":"ScrapeCidr"}');
    expect(ingress).toContain('"SourceSecurityGroupId":{"Ref":"ScrapeSourceSecurityGroup"}');
  });

  it('takes dead letters over TLS only, and expires state objects a week old', () => {
    const [, queuePolicy] = only('AWS::SQS::QueuePolicy');
    const statements = (queuePolicy.Properties.PolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(statements).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:*',
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const [, bucket] = only('AWS::S3::Bucket');
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] })
      .Rules;
    expect(rules).toContainEqual({
      Id: 'ExpireOldStates',
      Status: 'Enabled',
      Prefix: 'ecs-events-exporter/state-',
      ExpirationInDays: 7,
    });
  });

  it('runs the exporter read-only, on port 9847, with settings the exporter reads', () => {
    const [, taskDefinition] = only('AWS::ECS::TaskDefinition');
    const [container] = taskDefinition.Properties.ContainerDefinitions as {
      Command: string[];
      ReadonlyRootFilesystem: boolean;
      PortMappings: { ContainerPort: number }[];
      Environment: { Name: string; Value: unknown }[];
      MountPoints: { ContainerPath: string }[];
    }[];
    expect(container?.Command).toEqual(['run']);
    expect(container?.ReadonlyRootFilesystem).toBe(true);
    expect(container?.PortMappings.map((p) => p.ContainerPort)).toEqual([9847]);
    const env = new Map(container?.Environment.map((e) => [e.Name, e.Value]));
    expect(env.get('ECS_EXPORTER_STREAM')).toEqual({ Ref: streamId });
    const known = new Set([...OPTIONS.map((o) => o.env), 'AWS_REGION']);
    for (const name of env.keys()) expect(known, name).toContain(name);
    // State in S3 under a lease: no task-local volume that a redeploy would lose.
    expect(container?.MountPoints).toBeUndefined();
    expect(env.has('ECS_EXPORTER_STATE_DIR')).toBe(false);
    const [bucketId, bucket] = only('AWS::S3::Bucket');
    const [tableId, table] = only('AWS::DynamoDB::Table');
    expect(env.get('ECS_EXPORTER_STATE_URL')).toEqual({
      'Fn::Sub': `s3://\${${bucketId}}/ecs-events-exporter/`,
    });
    expect(env.get('ECS_EXPORTER_LEASE_TABLE')).toEqual({ Ref: tableId });
    expect(env.get('ECS_EXPORTER_START_POSITION')).toBe('TRIM_HORIZON');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    });
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
    });
    const [, service] = only('AWS::ECS::Service');
    expect(service.Properties.DesiredCount).toBe(2);
    expect(service.Properties.DeploymentConfiguration).toEqual({
      MinimumHealthyPercent: 50,
      MaximumPercent: 200,
    });
  });

  it('offers a subscription filter from an existing log group instead of its own rule', () => {
    expect(template.Conditions).toMatchObject({
      FromLogGroup: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SourceLogGroupName' }, ''] }] },
      FromRule: { 'Fn::Equals': [{ Ref: 'SourceLogGroupName' }, ''] },
    });
    // With the log group, no rule of the template's own: an event would arrive twice.
    for (const id of [
      ...rules.map(([id]) => id),
      queueId,
      'DeadLetterQueuePolicy',
      'EventBridgeToKinesisRole',
    ]) {
      expect(resources[id]?.Condition, id).toBe('FromRule');
    }
    const [, filter] = only('AWS::Logs::SubscriptionFilter');
    expect(filter.Condition).toBe('FromLogGroup');
    expect(filter.Properties).toMatchObject({
      LogGroupName: { Ref: 'SourceLogGroupName' },
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
    });
    const roleId = (filter.Properties.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const role = resources[roleId as string] as Resource;
    expect(role.Condition).toBe('FromLogGroup');
    const [trust] = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(trust?.Principal?.Service).toBe('logs.amazonaws.com');
    expect(JSON.stringify(trust?.Condition)).toContain(`log-group:\${SourceLogGroupName}:*`);
    const statements = policyStatements(role);
    expect(statements.flatMap(actions)).toEqual(['kinesis:PutRecord']);
    for (const s of statements) expect(s.Resource).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });
  });
});
