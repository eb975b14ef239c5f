/** Monitored quantities: name aliases and Keras's `mode: 'auto'`. */
import { describe } from '../../backend/validate.js';
import { emitWarning } from '../../host.js';
import { camelName } from '../log-names.js';
import type { Logs } from './callback.js';

/**
 * Whether a monitored quantity improves downwards (`'min'`), upwards (`'max'`), or `'auto'`:
 * max for names containing acc, topK or fmeasure, min otherwise (Keras's `mode`).
 */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Keras spellings accepted: `val_loss` → `valLoss`, `val_accuracy` → `valAccuracy`, … */
const ALIASES: Record<string, string> = { train_loss: 'loss' };

export function monitorKey(fn: string, monitor: unknown): string {
  if (typeof monitor !== 'string' || monitor.length === 0) {
    throw new TypeError(
      `${fn}: option monitor must be a non-empty string, got ${describe(monitor)}`,
    );
  }
  return ALIASES[monitor] ?? camelName(monitor);
}

/**
 * 'min' or 'max' for a monitored name. 'auto' follows Keras: quantities that are better when
 * larger (accuracies, top-k) are maximised, everything else minimised.
 */
export function resolveMode(fn: string, mode: unknown, monitor: string): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new TypeError(`${fn}: option mode must be 'auto', 'min' or 'max', got ${describe(mode)}`);
  }
  if (mode !== 'auto') return mode;
  return /acc|topK|fmeasure/i.test(monitor) ? 'max' : 'min';
}

/** The monitored value from epoch logs, or undefined (warning once per callback) when absent. */
export function monitorValue(
  owner: { warned?: boolean; constructor: { name: string } },
  key: string,
  logs: Logs,
): number | undefined {
  const v = logs[key];
  if (typeof v === 'number') return v;
  if (!owner.warned) {
    owner.warned = true;
    emitWarning(
      `${owner.constructor.name}: the monitored quantity ${JSON.stringify(key)} is not in the logs (available: ${Object.keys(logs).join(', ')}); skipping`,
    );
  }
  return undefined;
}
