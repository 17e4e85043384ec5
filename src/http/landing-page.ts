/**
 * The landing page and /api/recent-failures: the links, then the tasks and
 * deployments behind the failure counts, each task linked to the ECS console
 * of its region. It is handed a function returning plain data and never
 * reaches into the counting. Every text comes from events, so every text is
 * escaped, and the page forbids scripts outright (Content-Security-Policy).
 */
import type express from 'express';

export interface FailedTaskView {
  readonly timeMs: number | null;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskId: string;
  readonly stopCode: string;
  readonly reasonClass: string;
  readonly stoppedReason: string;
  readonly containers: readonly {
    readonly name: string;
    readonly exitCode: number | null;
    readonly reason: string;
  }[];
}

export interface FailedDeploymentView {
  readonly timeMs: number | null;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly deploymentId: string;
  readonly outcomes: readonly string[];
  readonly eventName: string;
  readonly reason: string;
}

export interface RecentFailuresView {
  readonly tasks: readonly FailedTaskView[];
  readonly deployments: readonly FailedDeploymentView[];
}

/** What `/` is handed: the recent failures, newest first. */
export type RecentFailuresSource = () => RecentFailuresView;

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** A region as AWS names them; anything else gets no link (it would choose the link's host). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function consoleBase(region: string, cluster: string): string | null {
  if (!REGION.test(region) || cluster === '') return null;
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}`;
}

/** The task's page in the ECS console of its region, or null when region or cluster is unknown. */
export function taskConsoleUrl(region: string, cluster: string, taskId: string): string | null {
  const base = consoleBase(region, cluster);
  return base === null || taskId === '' ? null : `${base}/tasks/${encodeURIComponent(taskId)}`;
}

/** The service's deployments in the ECS console of its region, or null when unknown. */
export function deploymentsConsoleUrl(
  region: string,
  cluster: string,
  service: string,
): string | null {
  const base = consoleBase(region, cluster);
  return base === null || service === ''
    ? null
    : `${base}/services/${encodeURIComponent(service)}/deployments`;
}

/** Beyond ±8.64e15 ms a Date is invalid and toISOString throws: such a time shows as none. */
const isoTime = (ms: number | null): string | null =>
  ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? null : new Date(ms).toISOString();

/** The JSON of /api/recent-failures: the entries with ISO times and console links. */
export function recentFailuresJson(view: RecentFailuresView): unknown {
  return {
    tasks: view.tasks.map((t) => ({
      time: isoTime(t.timeMs),
      region: t.region,
      cluster: t.cluster,
      service: t.service,
      taskId: t.taskId,
      stopCode: t.stopCode,
      reason: t.reasonClass,
      stoppedReason: t.stoppedReason,
      containers: t.containers,
      consoleUrl: taskConsoleUrl(t.region, t.cluster, t.taskId),
    })),
    deployments: view.deployments.map((d) => ({
      time: isoTime(d.timeMs),
      region: d.region,
      cluster: d.cluster,
      service: d.service,
      deploymentId: d.deploymentId,
      outcomes: d.outcomes,
      eventName: d.eventName,
      reason: d.reason,
      consoleUrl: deploymentsConsoleUrl(d.region, d.cluster, d.service),
    })),
  };
}

const cell = (text: string, className?: string): string =>
  className === undefined
    ? `<td>${escapeHtml(text)}</td>`
    : `<td class="${className}">${escapeHtml(text)}</td>`;

const link = (url: string | null, text: string): string =>
  url === null
    ? `<td><code>${escapeHtml(text)}</code></td>`
    : `<td><a href="${escapeHtml(url)}" rel="noreferrer"><code>${escapeHtml(text)}</code></a></td>`;

function taskRow(t: FailedTaskView): string {
  const exits = t.containers
    .map((c) => `${c.name}: ${c.exitCode === null ? '–' : c.exitCode}`)
    .join(', ');
  const reasons = [t.stoppedReason, ...t.containers.map((c) => c.reason)].filter((r) => r !== '');
  return [
    '<tr class="task">',
    cell(isoTime(t.timeMs) ?? ''),
    cell(t.cluster),
    cell(t.service),
    link(taskConsoleUrl(t.region, t.cluster, t.taskId), t.taskId),
    cell(t.stopCode),
    cell(t.reasonClass, 'class'),
    cell(reasons.join(' — '), 'reason'),
    cell(exits),
    '</tr>',
  ].join('');
}

function deploymentRow(d: FailedDeploymentView): string {
  return [
    '<tr class="deployment">',
    cell(isoTime(d.timeMs) ?? ''),
    cell(d.cluster),
    cell(d.service),
    link(deploymentsConsoleUrl(d.region, d.cluster, d.service), d.deploymentId),
    cell(d.outcomes.join(', '), 'class'),
    cell(d.eventName),
    cell(d.reason, 'reason'),
    '</tr>',
  ].join('');
}

function table(id: string, headers: readonly string[], rows: readonly string[]): string {
  if (rows.length === 0) return `<p id="${id}-none">None seen yet.</p>`;
  const head = headers.map((h) => `<th>${h}</th>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em;color:#111;background:#fff}
table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#e8eef7}td.class{background:#fde2e2;font-weight:600}td.reason{max-width:40em;overflow-wrap:anywhere}`;

export function landingPage(view: RecentFailuresView | undefined): string {
  const sections =
    view === undefined
      ? ''
      : `<h2>Recent failed tasks</h2>
${table('failed-tasks', ['Time (UTC)', 'Cluster', 'Service', 'Task', 'Stop code', 'Class', 'Reason', 'Exit codes'], view.tasks.map(taskRow))}
<h2>Recent failed deployments</h2>
${table('failed-deployments', ['Time (UTC)', 'Cluster', 'Service', 'Deployment', 'Outcome', 'Event', 'Reason'], view.deployments.map(deploymentRow))}
<p>The same as JSON: <a href="api/recent-failures">/api/recent-failures</a></p>
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ECS events exporter</title><style>${STYLE}</style></head>
<body><h1>ECS events exporter</h1>
<p>Amazon ECS task state change events as Prometheus metrics.</p>
<ul><li><a href="metrics">/metrics</a></li><li><a href="healthz">/healthz</a></li><li><a href="readyz">/readyz</a></li></ul>
${sections}</body></html>
`;
}

/**
 * No scripts, no outside resources, no frames around it, no forms: whatever
 * an event's text holds, the page cannot run it. Added beside a policy the
 * operator set in the web config (a browser enforces both), never replacing it.
 */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Serves `/` and, when handed the recent failures, `/api/recent-failures`. */
export function mountLandingPage(
  app: express.Express,
  recentFailures: RecentFailuresSource | undefined,
): void {
  app.get('/', (_req, res) => {
    res
      .append('Content-Security-Policy', PAGE_CSP)
      .type('html')
      .send(landingPage(recentFailures?.()));
  });
  if (recentFailures === undefined) return;
  app.get('/api/recent-failures', (_req, res) => {
    res.append('Content-Security-Policy', PAGE_CSP).json(recentFailuresJson(recentFailures()));
  });
}
