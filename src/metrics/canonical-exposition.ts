/**
 * Orders the series of each metric family by label set, so that the same
 * counts give the same text whatever order the label sets first appeared in
 * (prom-client keeps insertion order). Histogram lines of one label set stay
 * together and in their order. Used where output is compared or diffed: replay.
 */
function seriesKey(line: string): string {
  const open = line.indexOf('{');
  if (open === -1) return '';
  const close = line.lastIndexOf('}');
  return line
    .slice(open + 1, close)
    .replace(/(^|,)le="[^"]*"$/, '')
    .replace(/^,/, '');
}

export function canonicalExposition(text: string): string {
  const out: string[] = [];
  let groups = new Map<string, string[]>();
  const flush = () => {
    for (const key of [...groups.keys()].sort()) out.push(...(groups.get(key) as string[]));
    groups = new Map();
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      flush();
      out.push(line);
      continue;
    }
    const key = seriesKey(line);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [line]);
    else group.push(line);
  }
  flush();
  return out.join('\n');
}
