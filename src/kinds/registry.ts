/**
 * Every event kind the exporter reads: the one place the pipeline and the
 * catalog learn about them. Adding a kind is a folder beside this file and
 * a line here.
 */
import type { EventKind } from './kind.js';
import { TASK_STATE_CHANGE } from './task-state-change/kind.js';

export const EVENT_KINDS: readonly EventKind[] = [TASK_STATE_CHANGE];
