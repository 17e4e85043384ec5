/**
 * What the failures page is handed: each listing kind's recent failures as
 * plain rows of text, built by the kind (kinds/<kind>/failures.ts) and
 * rendered by http/landing-page.ts, which knows no kind by name. Types
 * only, so both sides of the http/kinds wall can share them.
 */

/** A one-line cell after the time, account and region every row starts with. */
export type FailureCell =
  /** Text on one line, tinted when it is what the row is counted by. */
  | { readonly text: string; readonly tint?: FailureTint }
  /** Free texts joined on one line, expanded whole on a click. */
  | { readonly reason: readonly string[] }
  /** An identifier in code type, linked when a link is known. */
  | { readonly code: string; readonly href: string | null; readonly hover?: string };

/** How what a row is counted by is tinted: a class of failure, or an outcome. */
export type FailureTint = 'class' | 'outcome';

/** When and where something failed: what every entry and row starts with. */
export interface FailurePlace {
  /** Event time, ms since the epoch; null when unknown. */
  readonly timeMs: number | null;
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
}

export interface FailureRow extends FailurePlace {
  /** What the "failing most" counts group it by (with its workload), and its tint. */
  readonly what: string;
  readonly tint: FailureTint;
  readonly cells: readonly FailureCell[];
  /** Its fields in /api/recent-failures after time, account, region, cluster and service. */
  readonly json: Readonly<Record<string, unknown>>;
}

export interface FailureListView {
  /** Its key in /api/recent-failures ('tasks'); the page names its section and table after it. */
  readonly name: string;
  /** The class of its rows ('task'). */
  readonly rowClass: string;
  /** Headers and widths of the cells after time, account and region. */
  readonly columns: readonly (readonly [header: string, width: string])[];
  /** A short list shown beside the counts at the top, rather than below them. */
  readonly beside: boolean;
  /** Newest first. */
  readonly rows: readonly FailureRow[];
}
