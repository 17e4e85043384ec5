/**
 * How a command gets a source without knowing which: a factory chosen by
 * the configuration (its option is set), opened before the state store is
 * picked (it names the state it reads into and checks what it can), then
 * asked for the source once the counting exists.
 */
import type { Logger } from 'pino';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import type { Source } from './source.js';

/** The source cannot start as configured: the command stops with exit status 2 and this message. */
export class SourceUnavailable extends Error {
  override readonly name = 'SourceUnavailable';
}

export interface SourceFactory<C> {
  /** For logs and tests: `kinesis`, `file`, … */
  readonly name: string;
  /** Whether the configuration asks for this source: its option is set. */
  chosen(config: C): boolean;
  /** Checks what can be checked before anything is served; rejects with SourceUnavailable. */
  open(config: C, logger: Logger): Promise<OpenedSource>;
}

export interface OpenedSource {
  /** Names the state of what is read, for a store that keeps one per source (a file under --state-dir). */
  readonly stateName: string;
  /** The line logged when reading starts without a lease. */
  readonly started: { readonly fields: Record<string, unknown>; readonly message: string };
  /**
   * How long the source keeps records, when it can tell (undefined: it could
   * not be read); absent for a source that keeps none. The stopped-task
   * retention follows it unless configured.
   */
  retentionMs?(): Promise<number | undefined>;
  /** The source, its own metrics registered on `registry`. */
  create(registry: MetricRegistry): Source;
}
