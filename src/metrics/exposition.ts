/**
 * Renders every metric of a registry, the series store's families among
 * them, in the Prometheus text format or in OpenMetrics, as chunks of bytes.
 *
 * The store's families are written from each series' label text (built when
 * the series was made) and its values, with no per-sample objects; the rest
 * (a few dozen self-metric samples) from prom-client's `get()`. The render
 * yields to the event loop whenever a slice of work has run `sliceMs`, so a
 * scrape at the series cap never holds up /healthz. The content is what
 * prom-client's `registry.metrics()` gives for the text format; this module
 * never calls it, because an OpenMetrics render through prom-client renames
 * counters on the metric objects themselves.
 */
import { escapeHelp, escapeLabelValue, formatValue } from './exposition-text.js';
import type { MetricRegistry } from './metric-registry.js';
import type { Exemplar, Family, SeriesStore } from './series-store.js';
import { storeFamilyOf } from './store-families.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Longest stretch a render runs before it lets other work in. */
const RENDER_SLICE_MS = 10;
const CHUNK_CHARS = 64 * 1024;
/** Series written between two looks at the clock. */
const SERIES_PER_CHECK = 64;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Collects text into chunks of bytes, and yields when a slice has run long enough. */
class ChunkWriter {
  readonly chunks: Buffer[] = [];
  #text = '';
  #sliceStart = performance.now();

  constructor(
    private readonly sliceMs: number,
    private readonly onChunk: ((chunk: Buffer) => void) | undefined,
    private readonly keep: boolean,
  ) {}

  write(text: string): void {
    this.#text += text;
    if (this.#text.length >= CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.#text.length === 0) return;
    const chunk = Buffer.from(this.#text, 'utf8');
    this.#text = '';
    if (this.keep) this.chunks.push(chunk);
    this.onChunk?.(chunk);
  }

  /** Resolves at once while the slice lasts, else on a later turn of the event loop. */
  pause(): Promise<void> | undefined {
    if (performance.now() - this.#sliceStart < this.sliceMs) return undefined;
    return nextTurn().then(() => {
      this.#sliceStart = performance.now();
    });
  }
}

interface MetricHead {
  readonly name: string;
  readonly help: string;
  readonly type: string;
}

/** `# HELP` and `# TYPE`; in OpenMetrics a counter's family name has no `_total`. */
function head(metric: MetricHead, format: ExpositionFormat): string {
  const family =
    format === 'openmetrics' && metric.type === 'counter'
      ? metric.name.replace(/_total$/, '')
      : metric.name;
  const help =
    format === 'openmetrics'
      ? escapeHelp(metric.help).replace(/"/g, '\\"')
      : escapeHelp(metric.help);
  return `# HELP ${family} ${help}\n# TYPE ${family} ${metric.type}\n`;
}

interface PromSample {
  readonly metricName?: string;
  readonly labels?: Record<string, string | number>;
  readonly value: number;
}

/** What every prom-client metric offers (its typings list it on the classes only). */
interface PromMetric {
  get(): Promise<{ help: string; type: string; values: PromSample[] }>;
}

/** A prom-client metric's samples, as prom-client's registry writes them. */
function promSamples(
  name: string,
  type: string,
  values: readonly PromSample[],
  format: ExpositionFormat,
): string {
  let text = '';
  for (const sample of values) {
    let metricName = sample.metricName ?? name;
    if (format === 'openmetrics' && type === 'counter' && !metricName.endsWith('_total')) {
      metricName = `${metricName}_total`;
    }
    const labels = Object.entries(sample.labels ?? {})
      .map(([label, value]) => `${label}="${escapeLabelValue(String(value))}"`)
      .join(',');
    text += `${metricName}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}\n`;
  }
  return text;
}

/**
 * ` # {task_id="…"} value timestamp`: an OpenMetrics exemplar, the value in
 * the metric's unit, the time in seconds (left out when unknown).
 */
function exemplarText(exemplar: Exemplar | undefined, scale: number): string {
  if (exemplar === undefined) return '';
  const at = Number.isFinite(exemplar.atMs) ? ` ${exemplar.atMs / 1000}` : '';
  return ` # {task_id="${escapeLabelValue(exemplar.taskId)}"} ${exemplar.value / scale}${at}`;
}

async function writeFamily(
  out: ChunkWriter,
  store: SeriesStore,
  family: Family,
  format: ExpositionFormat,
): Promise<void> {
  const { name } = family.spec;
  const series = store.shown(family);
  // Exemplars exist in OpenMetrics only; the text format has no place for them.
  const exemplars = format === 'openmetrics';
  if (!family.isHistogram) {
    for (let i = 0; i < series.length; i++) {
      const s = series[i] as (typeof series)[number];
      const exemplar = exemplars ? exemplarText(s.exemplars[0], 1) : '';
      out.write(
        s.labelText === ''
          ? `${name} ${s.value}${exemplar}\n`
          : `${name}{${s.labelText}} ${s.value}${exemplar}\n`,
      );
      if (i % SERIES_PER_CHECK === SERIES_PER_CHECK - 1) await out.pause();
    }
    return;
  }
  const bounds = family.boundsMs;
  const les = [...bounds.map((b) => `${b / 1000}`), '+Inf'];
  for (let i = 0; i < series.length; i++) {
    const s = series[i] as (typeof series)[number];
    const labels = s.labelText;
    const bucket = labels === '' ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
    const braces = labels === '' ? ' ' : `{${labels}} `;
    let text = '';
    let cumulative = 0;
    for (let b = 0; b < les.length; b++) {
      cumulative += s.counts[b] as number;
      const exemplar = exemplars ? exemplarText(s.exemplars[b], 1000) : '';
      text += `${bucket}${les[b]}"} ${cumulative}${exemplar}\n`;
    }
    text += `${name}_sum${braces}${s.sumMs / 1000}\n${name}_count${braces}${s.value}\n`;
    out.write(text);
    if (i % SERIES_PER_CHECK === SERIES_PER_CHECK - 1) await out.pause();
  }
}

interface RenderOptions {
  /** Longest stretch of work between two turns of the event loop (RENDER_SLICE_MS). */
  readonly sliceMs?: number;
  /** Told of each chunk as soon as it is written, e.g. to compress while the rest renders. */
  readonly onChunk?: (chunk: Buffer) => void;
  /**
   * False: chunks are only handed to `onChunk`, and none is returned, so a
   * render that is compressed as it goes never holds the whole text.
   */
  readonly keepChunks?: boolean;
}

/** Renders `registry` (the store's families in their place) in `format`, as chunks of UTF-8. */
export async function renderExposition(
  registry: MetricRegistry,
  store: SeriesStore,
  format: ExpositionFormat,
  options: RenderOptions = {},
): Promise<Buffer[]> {
  const out = new ChunkWriter(
    options.sliceMs ?? RENDER_SLICE_MS,
    options.onChunk,
    options.keepChunks ?? true,
  );
  const metrics = registry.getMetricsAsArray();
  for (let m = 0; m < metrics.length; m++) {
    const metric = metrics[m] as (typeof metrics)[number];
    if (m > 0 && format === 'text') out.write('\n');
    const family = storeFamilyOf(metric);
    if (family !== undefined) {
      out.write(head(family.spec, format));
      await writeFamily(out, store, family, format);
    } else {
      const data = await (metric as unknown as PromMetric).get();
      out.write(head({ name: metric.name, help: data.help, type: data.type }, format));
      out.write(promSamples(metric.name, data.type, data.values, format));
    }
    await out.pause();
  }
  if (format === 'openmetrics') out.write('# EOF\n');
  out.flush();
  return out.chunks;
}

/** The whole exposition as one string: for replay, and tests. */
export async function expositionText(
  registry: MetricRegistry,
  store: SeriesStore,
  format: ExpositionFormat = 'text',
): Promise<string> {
  return Buffer.concat(await renderExposition(registry, store, format)).toString('utf8');
}
