/**
 * What a scraper asks for, read from `Accept` and `Accept-Encoding` as
 * Prometheus sends them (`application/openmetrics-text;version=1.0.0,
 * text/plain;version=0.0.4;q=0.5,*\/*;q=0.1` and `gzip`): the highest
 * quality wins, the text format on a tie.
 */

/** Quality of each media range or coding of a header: `type;param=x;q=0.5` → `type` → 0.5. */
function qualities(header: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (name === undefined || name === '') continue;
    let q = 1;
    for (const param of params) {
      if (param.startsWith('q=')) {
        const value = Number(param.slice(2));
        q = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
      }
    }
    out.set(name, Math.max(out.get(name) ?? 0, q));
  }
  return out;
}

/** OpenMetrics when `Accept` ranks it above the text format (and above nothing). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  const q = qualities(accept);
  const openMetrics = q.get('application/openmetrics-text') ?? 0;
  const text = Math.max(q.get('text/plain') ?? 0, q.get('text/*') ?? 0, q.get('*/*') ?? 0);
  return openMetrics > 0 && openMetrics > text;
}

/** gzip when `Accept-Encoding` names it (or `*`) with a quality above 0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  const q = qualities(acceptEncoding);
  return (q.get('gzip') ?? q.get('x-gzip') ?? q.get('*') ?? 0) > 0;
}
