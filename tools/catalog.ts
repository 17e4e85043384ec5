/**
 * Every metric the exporter exposes and what each label means, for the docs,
 * dashboard and rule generators and their tests: the kinds' families and
 * labels handed to the metrics layer's catalog (metrics/ never imports kinds/;
 * the exporter itself hands them to the series store in counting.ts).
 */
import { EVENT_LABELS } from '../src/kinds/labels.js';
import { EVENT_METRICS } from '../src/kinds/registry.js';
import { buildCatalog, labelDocs } from '../src/metrics/catalog.js';

export const METRIC_CATALOG = buildCatalog(EVENT_METRICS);

export const LABEL_DOCS = labelDocs(EVENT_LABELS);
