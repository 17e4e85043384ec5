/**
 * The landing page and /api/recent-failures: the links, what fails most
 * (recent failures counted per service and what failed), the short lists
 * beside it, then the long ones in compact rows (one line each, the full
 * text on hover and in a <details> to expand). It is handed the lists the
 * kinds build (failure-view.ts), knows none of them by name, and never
 * reaches into the counting. Every text comes from events, so every text is
 * escaped, and the page forbids scripts outright (Content-Security-Policy):
 * expanding needs none.
 */
import type express from 'express';
import type { FailureCell, FailureListView, FailureRow } from '../failure-view.js';

/** What `/` is handed: each listing kind's recent failures, newest first. */
export type RecentFailuresSource = () => readonly FailureListView[];

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

/** Beyond ±8.64e15 ms a Date is invalid and toISOString throws: such a time shows as none. */
const isoTime = (ms: number | null): string | null =>
  ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? null : new Date(ms).toISOString();

/** The JSON of /api/recent-failures: each list's entries with ISO times, under its name. */
export function recentFailuresJson(lists: readonly FailureListView[]): unknown {
  return Object.fromEntries(
    lists.map((list) => [
      list.name,
      list.rows.map((r) => ({
        time: isoTime(r.timeMs),
        account: r.account,
        region: r.region,
        cluster: r.cluster,
        service: r.service,
        ...r.json,
      })),
    ]),
  );
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

function kindCell(c: FailureCell): string {
  if ('reason' in c) return reasonCell(c.reason);
  if ('code' in c) return link(c.href, c.code, c.hover);
  return cell(c.text, c.tint);
}

function failureRow(rowClass: string, r: FailureRow): string {
  return [
    `<tr class="${rowClass}">`,
    timeCell(r.timeMs),
    cell(r.account, 'where'),
    cell(r.region, 'where'),
    ...r.cells.map(kindCell),
    '</tr>',
  ].join('');
}

interface Tally extends Omit<FailureRow, 'timeMs' | 'cells' | 'json'> {
  count: number;
}

/** The recent failures counted per service, list and what failed, most first. */
function failureTallies(lists: readonly FailureListView[]): Tally[] {
  const tallies = new Map<string, Tally>();
  for (const list of lists) {
    for (const { account, region, cluster, service, what, tint } of list.rows) {
      const key = JSON.stringify([account, region, cluster, service, what, list.name]);
      const found = tallies.get(key);
      if (found === undefined)
        tallies.set(key, { account, region, cluster, service, what, tint, count: 1 });
      else found.count += 1;
    }
  }
  // A stable sort keeps the newest first among equal counts (the lists are newest first).
  return [...tallies.values()].sort((a, b) => b.count - a.count);
}

function tallyRow(t: Tally): string {
  return [
    `<tr class="tally">`,
    `<td class="count">${t.count}</td>`,
    cell(t.service === '' ? t.cluster : `${t.cluster}/${t.service}`),
    cell(t.what, t.tint),
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

/** The columns every failure row starts with. */
const WHEN_AND_WHERE: Columns = [
  ['Time (UTC)', '16ch'],
  ['Account', '14ch'],
  ['Region', '13ch'],
];

const columnsOf = (list: FailureListView): Columns => [...WHEN_AND_WHERE, ...list.columns];

/** Column widths in the style sheet (no style attributes: the policy may forbid them). */
const columnStyle = (id: string, columns: Columns): string =>
  columns.map(([, width], i) => `#${id} col:nth-child(${i + 1}){width:${width}}`).join('');

function table(id: string, headers: Columns, rows: readonly string[]): string {
  if (rows.length === 0) return `<p id="${id}-none" class="none">None seen yet.</p>`;
  const cols = headers.map(() => '<col>').join('');
  const head = headers.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('');
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
`;

const KINDS =
  'task state changes, deployment state changes, service actions and container instance state changes';

/** A list's name in text: its key with spaces for hyphens ('daemon-deployments' → 'daemon deployments'). */
const listTitle = (list: FailureListView): string => escapeHtml(list.name.replaceAll('-', ' '));

/** A list's section: beside the counts for a short list, below them for a long one. */
function listSection(list: FailureListView): string {
  const id = `failed-${list.name}`;
  const rows = table(
    id,
    columnsOf(list),
    list.rows.map((r) => failureRow(list.rowClass, r)),
  );
  const heading = `<h2>Recent failed ${listTitle(list)}</h2>`;
  return list.beside
    ? `<section id="${list.name}">${heading}\n<div class="box">${rows}</div></section>\n`
    : `<section id="${list.name}">${heading}\n${rows}</section>\n`;
}

export function landingPage(lists: readonly FailureListView[] | undefined): string {
  const beside = lists?.filter((l) => l.beside) ?? [];
  const below = lists?.filter((l) => !l.beside) ?? [];
  const style = [
    STYLE,
    columnStyle('failure-counts', TALLY_COLUMNS),
    ...[...beside, ...below].map((l) => columnStyle(`failed-${l.name}`, columnsOf(l))),
  ].join('');
  // "tasks and deployments", "tasks, deployments and toys": the lists the page is handed.
  const names = (lists ?? []).map(listTitle);
  const listed = [names.slice(0, -1).join(', '), names.at(-1) ?? ''].filter((n) => n !== '');
  const failed =
    names.length === 0
      ? ''
      : ` Below: the most recent failed ${listed.join(' and ')} it counted, newest first.`;
  const sections =
    lists === undefined
      ? ''
      : `<div class="top">
<section id="most-failing"><h2>Failing most (of the recent failures below)</h2>
<div class="box">${table('failure-counts', TALLY_COLUMNS, failureTallies(lists).map(tallyRow))}</div></section>
${beside.map(listSection).join('')}</div>
${below.map(listSection).join('')}<p>The same as JSON: <a href="api/recent-failures">/api/recent-failures</a></p>
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ECS events exporter</title><style>${style}</style></head>
<body><h1>ECS events exporter</h1>
<p class="sub">Amazon ECS events from EventBridge (${KINDS}) as Prometheus metrics.${failed}</p>
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
