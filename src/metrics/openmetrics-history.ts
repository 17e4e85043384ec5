/**
 * Metrics as they stood at many instants, as one OpenMetrics text file with
 * timestamps, the input of `promtool tsdb create-blocks-from openmetrics`.
 * OpenMetrics wants each metric family's samples together, but the values
 * come one instant at a time: each family's samples go to a file of its own
 * as they come, and `finish` joins them under their HELP and TYPE lines and
 * the closing `# EOF`. Memory stays one instant's values; disk is about
 * twice the output while it is joined.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { escapeLabelValue, formatValue } from './exposition-text.js';
import type { MetricData } from './metric-registry.js';

type Metric = MetricData;

interface FamilyPart {
  readonly header: string;
  readonly path: string;
  readonly stream: WriteStream;
}

/** The OpenMetrics family name and type: a counter's family drops its `_total`. */
function familyOf(metric: Metric): { name: string; type: string } {
  const type = String(metric.type);
  if (type === 'counter') {
    return metric.name.endsWith('_total')
      ? { name: metric.name.slice(0, -'_total'.length), type: 'counter' }
      : { name: metric.name, type: 'unknown' };
  }
  return { name: metric.name, type };
}

interface HistorySize {
  readonly bytes: number;
  readonly samples: number;
  readonly instants: number;
}

export class OpenMetricsHistory {
  readonly #output: string;
  readonly #partsDir: string;
  readonly #families = new Map<string, FamilyPart>();
  #samples = 0;
  #instants = 0;

  private constructor(output: string, partsDir: string) {
    this.#output = output;
    this.#partsDir = partsDir;
  }

  /** Parts are kept next to `output`, where there is room for the output itself. */
  static async create(output: string): Promise<OpenMetricsHistory> {
    const parts = await mkdtemp(join(dirname(output), `.${basename(output)}.parts-`));
    return new OpenMetricsHistory(output, parts);
  }

  /** Appends every sample of `metrics` at `timestampMs`; resolves once the parts can take more. */
  async write(metrics: readonly Metric[], timestampMs: number): Promise<void> {
    const ts = ` ${timestampMs / 1000}\n`;
    const waits: Promise<void>[] = [];
    for (const metric of metrics) {
      if (metric.values.length === 0) continue;
      const part = this.#part(metric);
      let text = '';
      for (const { metricName, labels, value } of metric.values) {
        const pairs = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`)
          .join(',');
        text += `${metricName ?? metric.name}${pairs === '' ? '' : `{${pairs}}`} ${formatValue(value)}${ts}`;
      }
      this.#samples += metric.values.length;
      if (!part.stream.write(text)) {
        waits.push(new Promise((resolve) => part.stream.once('drain', resolve)));
      }
    }
    this.#instants++;
    await Promise.all(waits);
  }

  #part(metric: Metric): FamilyPart {
    let part = this.#families.get(metric.name);
    if (part === undefined) {
      const { name, type } = familyOf(metric);
      const help = metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
      const path = join(this.#partsDir, `${this.#families.size}.om`);
      part = {
        header: `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`,
        path,
        stream: createWriteStream(path),
      };
      this.#families.set(metric.name, part);
    }
    return part;
  }

  async #closeParts(): Promise<void> {
    await Promise.all(
      [...this.#families.values()].map(
        (p) =>
          new Promise<void>((resolve, reject) =>
            p.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
          ),
      ),
    );
  }

  /** Joins the parts into the output, ends it with `# EOF`, and removes the parts. */
  async finish(): Promise<HistorySize> {
    await this.#closeParts();
    const out = createWriteStream(this.#output);
    // One listener for the whole join (a pipeline per part would add its
    // own to `out` each time); each wait and the end check what it caught.
    let failure: Error | undefined;
    out.on('error', (err) => {
      failure ??= err;
    });
    const write = async (chunk: string | Buffer) => {
      if (failure !== undefined) throw failure;
      if (!out.write(chunk)) await once(out, 'drain');
    };
    try {
      for (const part of this.#families.values()) {
        await write(part.header);
        for await (const chunk of createReadStream(part.path)) await write(chunk as Buffer);
      }
      await new Promise<void>((resolve, reject) =>
        out.end('# EOF\n', (err?: Error | null) => {
          const problem = err ?? failure;
          if (problem) reject(problem);
          else resolve();
        }),
      );
    } finally {
      await rm(this.#partsDir, { recursive: true, force: true });
    }
    return {
      bytes: (await stat(this.#output)).size,
      samples: this.#samples,
      instants: this.#instants,
    };
  }

  /** Removes the parts after a failure; the output is not written. */
  async abort(): Promise<void> {
    await this.#closeParts().catch(() => undefined);
    await rm(this.#partsDir, { recursive: true, force: true });
  }
}
