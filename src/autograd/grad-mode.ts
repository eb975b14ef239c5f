/**
 * Whether operations record the tape (PyTorch's grad mode). Off inside `noGrad` and inside a
 * backward pass that does not create a graph; on inside `enableGrad` and in a createGraph pass.
 */

let enabled = true;

/** Whether operations are currently recorded for backward (false inside {@link noGrad}); torch.is_grad_enabled. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal Sets the mode directly (the engine's hot loop restores it itself). */
export function setGradEnabled(on: boolean): void {
  enabled = on;
}

/** Runs `fn` with recording set to `on`, restoring the previous mode even if it throws. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` without recording (inference, weight updates by hand): `torch.no_grad`. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function')
    throw new TypeError(`noGrad: fn must be a function, got ${typeof fn}`);
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, inside a `noGrad` block: `torch.enable_grad`. */
export function enableGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function')
    throw new TypeError(`enableGrad: fn must be a function, got ${typeof fn}`);
  return withGradMode(true, fn);
}
