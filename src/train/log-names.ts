/**
 * Names in logs and history: camelCase throughout (`loss`, `valLoss`, `accuracy`,
 * `valAccuracy`, `valTopK:5`). The snake_case spellings of 0.1 (`val_accuracy`) still read,
 * through non-enumerable getters that warn once; they go in the next minor version.
 */
import { emitWarning } from '../host.js';

/** The validation name of a metric: `accuracy` → `valAccuracy`. */
export function valName(metric: string): string {
  return `val${metric.charAt(0).toUpperCase()}${metric.slice(1)}`;
}

/** `val_accuracy` → `valAccuracy` (any `val_` prefix); other names unchanged. */
export function camelName(name: string): string {
  return name.startsWith('val_') && name.length > 4 ? valName(name.slice(4)) : name;
}

let warned = false;

/** Defines `val_<metric>` on `target` as a hidden, deprecated alias of `valName(metric)`. */
export function addSnakeAliases(target: object, metrics: readonly string[]): void {
  for (const m of metrics) {
    const key = valName(m);
    Object.defineProperty(target, `val_${m}`, {
      enumerable: false,
      configurable: true,
      get() {
        if (!warned) {
          warned = true;
          emitWarning(
            `val_${m} is deprecated: history and logs use camelCase (${key}); the snake_case names go in the next minor version`,
            { type: 'DeprecationWarning', code: 'DESCENT_SNAKE_CASE' },
          );
        }
        return (this as Record<string, unknown>)[key];
      },
    });
  }
}
