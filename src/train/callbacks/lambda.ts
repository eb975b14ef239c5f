/** LambdaCallback (Keras): a callback from plain functions. */
import { describe, knownKeys } from '../../backend/validate.js';
import { BaseCallback, type Logs } from './callback.js';

export interface LambdaCallbackOptions {
  onTrainBegin?: (logs: Logs) => void;
  onTrainEnd?: (logs: Logs) => void;
  onEpochBegin?: (epoch: number, logs: Logs) => void;
  onEpochEnd?: (epoch: number, logs: Logs) => void;
  onBatchBegin?: (batch: number, logs: Logs) => void;
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
