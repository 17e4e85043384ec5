/**
 * A toy source, as a new source would be added: one class with its factory
 * and its one option, nothing else. It reads a file in a format of its own
 * (one record per line, base64: records may hold any bytes) once, after the
 * saved position, which is the number of lines read.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Check } from '../../../src/base/check.js';
import type { Json, PositionProblem } from '../../../src/base/position.js';
import type { Config } from '../../../src/config.js';
import type { RecordSink, Source } from '../../../src/sources/source.js';
import type { SourceFactory } from '../../../src/sources/source-factory.js';

/** Its one option: which file. (In src/ it would be an OptionSpec listed in config.ts.) */
export interface ToyConfig extends Config {
  readonly toyFile?: string;
}

export class ToySource implements Source {
  readonly description: string;
  readonly #file: string;
  #lines = 0;

  constructor(file: string) {
    this.#file = file;
    this.description = `toy file ${file}`;
  }

  checkPosition(position: Json): PositionProblem | undefined {
    if (typeof position !== 'object' || position === null || Array.isArray(position)) {
      return { kind: 'malformed', reason: 'not a toy position' };
    }
    if (position.file !== this.#file) {
      return { kind: 'foreign', reason: `the position is of ${String(position.file)}` };
    }
    return typeof position.lines === 'number'
      ? undefined
      : { kind: 'malformed', reason: 'no lines' };
  }

  async start(sink: RecordSink, position: Json | undefined): Promise<void> {
    const after = (position as { lines?: number } | undefined)?.lines ?? 0;
    const lines = readFileSync(this.#file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    sink.records(lines.slice(after).map((line) => Buffer.from(line, 'base64').toString('utf8')));
    this.#lines = lines.length;
  }

  async stop(): Promise<void> {}

  position(): Json {
    return { file: this.#file, lines: this.#lines };
  }

  health(): Check {
    return { ok: true, reason: 'toy file read' };
  }

  readiness(): Check {
    return { ok: true, reason: `toy file read: ${this.#lines} lines` };
  }
}

export const TOY_SOURCE: SourceFactory<ToyConfig> = {
  name: 'toy',
  chosen: (config) => config.toyFile !== undefined,
  open: async (config) => {
    const file = config.toyFile as string;
    return {
      stateName: `toy-${basename(file)}.json`,
      started: { fields: { toyFile: file }, message: 'reading toy file' },
      create: () => new ToySource(file),
    };
  },
};
