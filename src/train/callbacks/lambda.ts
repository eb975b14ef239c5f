/** LambdaCallback (Keras): a callback from plain functions. */
import { describe, knownKeys } from '../../backend/validate.js';
import { BaseCallback, type Logs } from './callback.js';

/** The hooks of a {@link LambdaCallback}; each is optional and has the meaning of the {@link Callback} hook of the same name. */
export interface LambdaCallbackOptions {
  /** Called once before the first epoch. */
  onTrainBegin?: (logs: Logs) => void;
  /** Called once when training ends. */
  onTrainEnd?: (logs: Logs) => void;
  /** Called before each epoch (0-based). */
  onEpochBegin?: (epoch: number, logs: Logs) => void;
  /** Called after each epoch with its logs. */
  onEpochEnd?: (epoch: number, logs: Logs) => void;
  /** Called before each batch (0-based index within the epoch). */
  onBatchBegin?: (batch: number, logs: Logs) => void;
  /** Called after each batch with the (reused) batch logs. */
  onBatchEnd?: (batch: number, logs: Logs) => void;
}

const HOOKS = [
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const;

/** A callback built from plain functions (Keras's `LambdaCallback`). */
export class LambdaCallback extends BaseCallback {
  constructor(hooks: LambdaCallbackOptions) {
    super();
    const fn = 'LambdaCallback';
    if (hooks === null || typeof hooks !== 'object')
      throw new TypeError(`${fn}: hooks must be an object of functions, got ${describe(hooks)}`);
    knownKeys(fn, 'hook', hooks, HOOKS);
    for (const h of HOOKS) {
      const f = hooks[h];
      if (f === undefined) continue;
      if (typeof f !== 'function')
        throw new TypeError(`${fn}: hook ${h} must be a function, got ${describe(f)}`);
      // Own properties, so fit sees exactly the hooks given.
      (this as unknown as Record<string, unknown>)[h] = f;
    }
  }
}
