/** `replay FILE|DIR|-`: the final exposition on stdout, a one-line summary on stderr. */
import { createCounting } from '../counting.js';
import { canonicalExposition } from '../metrics/canonical-exposition.js';
import { FileSource } from '../sources/file/file-source.js';
import { inputFailure, overInputs } from './inputs.js';
import { replaySummary } from './replay-summary.js';

export const replay = overInputs(async (inputs, config, path, logger, io) => {
  const source = new FileSource(inputs, path === '-' ? 'standard input' : path);
  const counting = createCounting(config, logger, undefined);
  await source.start(counting.sink, undefined);
  try {
    await source.finished;
  } catch (err) {
    return inputFailure(err, io);
  }
  io.stdout.write(canonicalExposition(await counting.exposition()));
  io.stderr.write(replaySummary('replay', path, source.reports, counting.self.counts.records));
  return 0;
});
