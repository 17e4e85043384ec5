/**
 * The landing page and /api/recent-failures: the links, what fails most
 * (recent failures counted per service and class), the failed deployments
 * beside it, then the failed tasks in compact rows (one line each, the full
 * text on hover and in a <details> to expand), each linked to the ECS
 * console of its region. It is handed a function returning plain data and
 * never reaches into the counting. Every text comes from events, so every
 * text is escaped, and the page forbids scripts outright
 * (Content-Security-Policy): expanding needs none.
 */
import type express from 'express';

export interface FailedTaskView {
  readonly timeMs: number | null;
  readonly account: string;
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
  readonly account: string;
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
      account: t.account,
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
      account: d.account,
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

/** A one-line cell: what does not fit ends in an ellipsis, the whole text on hover. */
const cell = (text: string, className?: string): string => {
  const escaped = escapeHtml(text);
  const cls = className === undefined ? '' : ` class="${className}"`;
  return `<td${cls} title="${escaped}">${escaped}</td>`;
};

const link = (url: string | null, text: string, hover = text): string => {
  const escaped = escapeHtml(text);
  const title = escapeHtml(hover);
  return url === null
    ? `<td title="${title}"><code>${escaped}</code></td>`
    : `<td title="${title}"><a href="${escapeHtml(url)}" rel="noreferrer"><code>${escaped}</code></a></td>`;
};

/** A reason in one line; a click on it wraps the whole text, another folds it (no script: <details>). */
function reasonCell(parts: readonly string[]): string {
  const text = parts.filter((r) => r !== '').join(' — ');
  if (text === '') return '<td class="reason"></td>';
  const escaped = escapeHtml(text);
  return `<td class="reason"><details><summary title="${escaped}">${escaped}</summary></details></td>`;
}

/** Times as 12-07 01:47:21 (UTC, said in the header; the year on hover): short enough for one line. */
const shortTime = (ms: number | null): string => isoTime(ms)?.slice(5, 19).replace('T', ' ') ?? '';

function timeCell(ms: number | null): string {
  const iso = isoTime(ms) ?? '';
  return `<td class="time" title="${iso}">${shortTime(ms)}</td>`;
}

function taskRow(t: FailedTaskView): string {
  const exits = t.containers
    .map((c) => `${c.name}: ${c.exitCode === null ? '–' : c.exitCode}`)
    .join(', ');
  return [
    '<tr class="task">',
    timeCell(t.timeMs),
    cell(t.account, 'where'),
    cell(t.region, 'where'),
    cell(t.cluster),
    cell(t.service),
    cell(t.reasonClass, 'class'),
    reasonCell([t.stoppedReason, ...t.containers.map((c) => c.reason)]),
    cell(exits),
    cell(t.stopCode),
    link(taskConsoleUrl(t.region, t.cluster, t.taskId), t.taskId),
    '</tr>',
  ].join('');
}

function deploymentRow(d: FailedDeploymentView): string {
  return [
    '<tr class="deployment">',
    timeCell(d.timeMs),
    cell(d.account, 'where'),
    cell(d.region, 'where'),
    link(
      deploymentsConsoleUrl(d.region, d.cluster, d.service),
      `${d.cluster}/${d.service}`,
      `${d.cluster}/${d.service} ${d.deploymentId}`,
    ),
    cell(d.outcomes.join(', '), 'outcome'),
    reasonCell([d.reason, d.eventName]),
    '</tr>',
  ].join('');
}

interface Tally {
  count: number;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly what: string;
  readonly deployment: boolean;
}

/** The recent failures counted per service and class (tasks) or outcome (deployments), most first. */
function failureTallies(view: RecentFailuresView): Tally[] {
  const tallies = new Map<string, Tally>();
  const add = (entry: Omit<Tally, 'count'>): void => {
    const key = JSON.stringify([
      entry.account,
      entry.region,
      entry.cluster,
      entry.service,
      entry.what,
      entry.deployment,
    ]);
    const found = tallies.get(key);
    if (found === undefined) tallies.set(key, { ...entry, count: 1 });
    else found.count += 1;
  };
  for (const t of view.tasks) {
    const { account, region, cluster, service, reasonClass } = t;
    add({ account, region, cluster, service, what: reasonClass, deployment: false });
  }
  for (const d of view.deployments) {
    const { account, region, cluster, service } = d;
    const what = `deployment ${d.outcomes.join(', ')}`;
    add({ account, region, cluster, service, what, deployment: true });
  }
  // A stable sort keeps the newest first among equal counts (the lists are newest first).
  return [...tallies.values()].sort((a, b) => b.count - a.count);
}

function tallyRow(t: Tally): string {
  return [
    `<tr class="tally">`,
    `<td class="count">${t.count}</td>`,
    cell(t.service === '' ? t.cluster : `${t.cluster}/${t.service}`),
    cell(t.what, t.deployment ? 'outcome' : 'class'),
    cell(t.account, 'where'),
    cell(t.region, 'where'),
    '</tr>',
  ].join('');
}

type Columns = readonly (readonly [header: string, width: string])[];

/** Widths in ch (the width of a digit): ids, times and codes fit whole; free text takes the rest. */
const TALLY_COLUMNS: Columns = [
  ['Count', '7.5ch'],
  ['Cluster/service', 'auto'],
  ['Class or outcome', '21ch'],
  ['Account', '14ch'],
  ['Region', '13ch'],
];

const DEPLOYMENT_COLUMNS: Columns = [
  ['Time (UTC)', '16ch'],
  ['Account', '14ch'],
  ['Region', '13ch'],
  ['Cluster/service', 'auto'],
  ['Outcome', '15ch'],
  ['Reason', 'auto'],
];

const TASK_COLUMNS: Columns = [
  ['Time (UTC)', '16ch'],
  ['Account', '14ch'],
  ['Region', '13ch'],
  ['Cluster', '9ch'],
  ['Service', '10ch'],
  ['Class', '19ch'],
  ['Reason (click for all of it)', 'auto'],
  ['Exit codes', '10ch'],
  ['Stop code', '10ch'],
  ['Task', '8ch'],
];

/** Column widths in the style sheet (no style attributes: the policy may forbid them). */
const columnStyle = (id: string, columns: Columns): string =>
  columns.map(([, width], i) => `#${id} col:nth-child(${i + 1}){width:${width}}`).join('');

function table(id: string, headers: Columns, rows: readonly string[]): string {
  if (rows.length === 0) return `<p id="${id}-none" class="none">None seen yet.</p>`;
  const cols = headers.map(() => '<col>').join('');
  const head = headers.map(([h]) => `<th>${h}</th>`).join('');
  return `<table id="${id}"><colgroup>${cols}</colgroup><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:.8em 1.2em;color:#111;background:#fff;font-size:13px;font-variant-numeric:tabular-nums}
h1{font-size:1.4em;margin:0 0 .1em}h2{font-size:1.05em;margin:.6em 0 .3em}p.sub{margin:0 0 .3em;color:#333}
nav a{margin-right:1em}
.top{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,6fr);gap:1.2em;align-items:start}
.box{max-height:13.5em;overflow:auto;border-bottom:1px solid #ddd}
table{border-collapse:collapse;table-layout:fixed;width:100%}
th,td{border:1px solid #ccc;padding:1px .4em;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:1.45}
th{background:#e8eef7;position:sticky;top:0}
td.class{background:#fde2e2;font-weight:600}td.outcome{background:#fdebc8;font-weight:600}
td.where{background:#eaf3e6}td.count{text-align:right;font-weight:600}
td.reason details summary{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;cursor:pointer;list-style:none}
td.reason details summary::-webkit-details-marker{display:none}
td.reason details[open] summary{white-space:normal;overflow-wrap:anywhere}code{font-size:.95em}p.none{color:#555}
${columnStyle('failure-counts', TALLY_COLUMNS)}${columnStyle('failed-deployments', DEPLOYMENT_COLUMNS)}${columnStyle('failed-tasks', TASK_COLUMNS)}`;

const KINDS =
  'task state changes, deployment state changes, service actions and container instance state changes';

export function landingPage(view: RecentFailuresView | undefined): string {
  const sections =
    view === undefined
      ? ''
      : `<div class="top">
<section id="most-failing"><h2>Failing most (of the recent failures below)</h2>
<div class="box">${table('failure-counts', TALLY_COLUMNS, failureTallies(view).map(tallyRow))}</div></section>
<section id="deployments"><h2>Recent failed deployments</h2>
<div class="box">${table('failed-deployments', DEPLOYMENT_COLUMNS, view.deployments.map(deploymentRow))}</div></section>
</div>
<section id="tasks"><h2>Recent failed tasks</h2>
${table('failed-tasks', TASK_COLUMNS, view.tasks.map(taskRow))}</section>
<p>The same as JSON: <a href="api/recent-failures">/api/recent-failures</a></p>
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ECS events exporter</title><style>${STYLE}</style></head>
<body><h1>ECS events exporter</h1>
<p class="sub">Amazon ECS events from EventBridge (${KINDS}) as Prometheus metrics. Below: the most recent failed tasks and deployments it counted, newest first.</p>
<nav><a href="metrics">/metrics</a><a href="healthz">/healthz</a><a href="readyz">/readyz</a><a href="api/recent-failures">/api/recent-failures</a></nav>
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
