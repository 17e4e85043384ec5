/** `check-pattern FILE`: what EventBridge would make of an event pattern, and what it drops. */
import { runCheckPattern } from '../pattern/check-pattern.js';
import type { Io } from './io.js';

export const CHECK_PATTERN_HELP = `Usage: ecs-events-exporter check-pattern FILE|-

Checks an EventBridge event pattern (JSON), or every AWS::Events::Rule pattern of a
CloudFormation template (YAML or JSON), the way EventBridge would: first what PutRule
would reject (a scalar where an array belongs, empty arrays, unknown or malformed
operators), then what the pattern lets through, matched as EventBridge matches, against
a full lifecycle of real-shaped events (PROVISIONING to STOPPED, Fargate and EC2,
several stop codes) and one event of each other ECS detail-type. - reads standard input.

It reports the pattern's scope (conditions on the cluster, service group, account,
region, launch type, task definition…: a legitimate narrowing, judged as if every
event were inside it), which task statuses and which ECS detail-types pass, and which
metrics lose data. A template's rules are also judged together: what any of them sends
reaches the stream.

What it reports:
  error    EventBridge would reject the pattern, or the file cannot be read (exit 2)
  DROPS    the pattern drops task events (some statuses, or all of them), or part of
           another kind it sends: the counts of what passes are wrong (exit 1).
           Task events are what the exporter is for: every pattern, or the rules
           of a template together, must send all of them
  note     the other ECS kinds (deployments, service actions, container instances,
           daemons, instance health, hooks) are not sent at all (a rule for task
           events only): their metrics stay empty unless a second rule sends them.
           That rule's Kinesis target is keyed by the event id (these events have
           no detail.taskArn, and some no resources), so it is a rule of its own,
           not more detail-types in the task rule (exit 0)

Exit status:
  0  valid; within its scope, every task status passes, and every other kind it
     sends passes whole (notes allowed)
  1  valid, but it drops task events or part of another kind the metrics need
     (for example STOPPED only, or lastStatus anything-but RUNNING)
  2  invalid: the file cannot be read or parsed, EventBridge would reject the
     pattern, or the command line is wrong

Options:
  -h, --help
      Show this help.
`;

export async function checkPattern(args: readonly string[], io: Io): Promise<number> {
  const files: string[] = [];
  let flagsEnded = false;
  for (const arg of args) {
    if (flagsEnded || arg === '-' || !arg.startsWith('-')) files.push(arg);
    else if (arg === '--') flagsEnded = true;
    else if (arg === '--help' || arg === '-h') {
      io.stdout.write(CHECK_PATTERN_HELP);
      return 0;
    } else {
      io.stderr.write(`ecs-events-exporter check-pattern: unknown option "${arg}" (see --help)\n`);
      return 2;
    }
  }
  if (files.length !== 1) {
    io.stderr.write(
      `ecs-events-exporter check-pattern: expects exactly one FILE, or - for standard input (see --help)\n`,
    );
    return 2;
  }
  return runCheckPattern(files[0] as string, io);
}
