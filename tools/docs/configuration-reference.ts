/** Renders docs/configuration.md from the configuration schema. */
import { OPTIONS } from '../../src/config.js';

export function renderConfigurationReference(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config.ts by `npm run docs`; do not edit. -->',
    '',
    'Every option is a flag or an environment variable; a flag wins. All problems are reported',
    'at once and the exporter exits with status 2. AWS settings (region, credentials, endpoint)',
    'come the standard SDK way: `AWS_REGION`, the default credential chain,',
    '`AWS_ENDPOINT_URL_KINESIS` / `AWS_ENDPOINT_URL`.',
    '',
    'Flags are named as Prometheus exporters name them (`--web.listen-address`,',
    '`--web.config.file`, `--log.level`, `--log.format`). The former names in the last',
    'column are still accepted for this release and log a deprecation warning once.',
    '',
    '| flag | environment | value | default | commands | meaning | formerly |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const o of OPTIONS) {
    const own = Object.entries(o.defaults ?? {}).map(([c, d]) => ` (${c}: \`${d}\`)`);
    const dflt = (o.default === undefined ? '—' : `\`${o.default}\``) + own.join('');
    const formerEnv = Object.entries(o.envAliases ?? {}).flatMap(([c, names]) =>
      (names ?? []).map((n) => `\`${n}\` (${c})`),
    );
    const former = [...(o.aliases ?? []).map((a) => `\`${a}\``), ...formerEnv];
    const meaning = o.requiredFor?.length
      ? `${o.description} Required for ${o.requiredFor.join(', ')}.`
      : o.description;
    out.push(
      `| \`${o.flag}\` | \`${o.env}\` | \`${o.value.replaceAll('|', '\\|')}\` | ${dflt} | ${o.commands.join(', ')} | ${meaning} | ${former.join(', ') || '—'} |`,
    );
  }
  return `${out.join('\n')}\n`;
}
