/**
 * The checks every model constructor shares, run before any network is built: option objects
 * with known keys (a did-you-mean for a misspelt one), sizes and shapes, activation names,
 * and optimizer specs `{ type: optim.Adam, lr: 2e-4, betas: [0.5, 0.999] }`, which are tried
 * on a one-element parameter first so a bad option is refused before any arena is allocated.
 */
import {
  options as checkObject,
  count,
  describe,
  finite,
  knownKeys,
  oneOf,
} from '../backend/validate.js';
import { ELU, LeakyReLU, ReLU, SiLU, Tanh } from '../nn/activation.js';
import type { Layer } from '../nn/layer.js';
import { Model } from '../nn/model.js';
import { Adam } from '../optim/adam.js';
import { LBFGS } from '../optim/lbfgs.js';
import { Optimizer, type Param } from '../optim/optimizer.js';
import { SAM } from '../optim/sam.js';

/** An optimizer class of this library (optim.SGD, optim.Adam, …). */
// biome-ignore lint/suspicious/noExplicitAny: any optimizer's options
export type OptimizerClass = new (params: Param[], options?: any) => Optimizer<any>;

/** An optimizer to build over a model's parameters: its class and its options. */
export interface OptimizerSpec {
  /** The class (default optim.Adam). */
  type?: OptimizerClass;
  /** Learning rate; omitted, the optimizer's own default (a model's default spec, used when the whole spec is omitted, has 1e-3 for Autoencoder and VAE, 2e-4 for GAN). */
  lr?: number;
  [option: string]: unknown;
}

/**
 * Hidden-layer activations the built-in architectures take by name: `relu`, `leakyrelu`
 * (slope 0.2), `tanh`, `elu`, `silu`. Exported as a type only (its keys are
 * {@link HiddenActivation}).
 */
export const ACTIVATIONS = {
  /** `nn.ReLU`. */
  relu: () => new ReLU(),
  /** `nn.LeakyReLU` with negative slope 0.2 (the DCGAN discriminator's). */
  leakyrelu: () => new LeakyReLU(0.2),
  /** `nn.Tanh`. */
  tanh: () => new Tanh(),
  /** `nn.ELU` with α = 1. */
  elu: () => new ELU(),
  /** `nn.SiLU` (Swish). */
  silu: () => new SiLU(),
} satisfies Record<string, () => Layer>;
/** Name of a hidden-layer activation of the built-in architectures: 'relu', 'leakyrelu' (slope 0.2), 'tanh', 'elu' or 'silu'. */
export type HiddenActivation = keyof typeof ACTIVATIONS;

/** Refuses a non-object and unknown keys (with a did-you-mean). */
export function checkOptions(fn: string, o: unknown, keys: readonly string[]): void {
  checkObject(fn, 'options', o);
  knownKeys(fn, 'option', o, keys);
}

/** A positive integer option (or its default). */
export function positive(fn: string, name: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  count(fn, name, n);
  if (n < 1) throw new RangeError(`${fn}: ${name} must be at least 1, got ${n}`);
  return n;
}

/** A non-empty array of positive integers (or its default). */
export function sizes(fn: string, name: string, v: unknown, dflt: readonly number[]): number[] {
  const a = v ?? dflt;
  if (!Array.isArray(a) || a.length === 0)
    throw new TypeError(
      `${fn}: ${name} must be a non-empty array of positive integers, got ${describe(a)}`,
    );
  return a.map((d, i) => positive(fn, `${name}[${i}]`, d, 0));
}

export function activation(fn: string, name: string, v: unknown, dflt: HiddenActivation) {
  const a = v ?? dflt;
  oneOf(fn, name, a, Object.keys(ACTIVATIONS) as HiddenActivation[]);
  return ACTIVATIONS[a];
}

/** A finite number > 0 (or its default). */
export function positiveNumber(fn: string, name: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  finite(fn, name, n);
  if (n <= 0) throw new RangeError(`${fn}: ${name} must be > 0, got ${n}`);
  return n;
}

/** The seed option: an integer in [0, 2^53) (default 0). */
export function seedOf(fn: string, v: unknown): number {
  const s = v ?? 0;
  count(fn, 'seed', s);
  return s;
}

/** A Model given in place of a built-in architecture, or null when absent. */
export function modelOption(fn: string, name: string, v: unknown): Model | null {
  if (v === undefined) return null;
  if (!(v instanceof Model))
    throw new TypeError(`${fn}: ${name} must be an nn.Model, got ${describe(v)}`);
  if (!v.hasShape)
    throw new TypeError(
      `${fn}: ${name} must be built with an inputShape (new nn.Model(net, inputShape)), so its sizes can be checked`,
    );
  if (v.paramCount === 0) throw new RangeError(`${fn}: ${name} has no parameters to train`);
  return v;
}

/** Refuses architecture keys given together with ready-made models. */
export function exclusive(
  fn: string,
  o: object,
  models: readonly string[],
  arch: readonly string[],
) {
  const given = models.filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  if (given.length === 0) return false;
  const missing = models.filter((k) => !given.includes(k));
  if (missing.length)
    throw new TypeError(
      `${fn}: give ${models.join(' and ')} together (${missing.join(', ')} is missing)`,
    );
  const clash = arch.filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  if (clash.length)
    throw new TypeError(
      `${fn}: ${clash.join(', ')} describe${clash.length === 1 ? 's' : ''} the built-in architecture; with your own ${models.join(' and ')} leave ${clash.length === 1 ? 'it' : 'them'} out`,
    );
  return true;
}

const CLOSURE = new Map<unknown, string>([
  [LBFGS, 'LBFGS needs a closure (its line search re-evaluates the loss)'],
  [SAM, 'SAM needs a closure (it evaluates the gradient twice a step)'],
]);

/**
 * Checks an optimizer spec by building it over one scratch parameter (the optimizer refuses
 * unknown or invalid options, naming them); returns a factory for the real parameters.
 */
export function optimizerSpec(
  fn: string,
  name: string,
  v: unknown,
  dflt: OptimizerSpec,
): (params: Param[]) => Optimizer<object> {
  const spec = (v ?? dflt) as OptimizerSpec;
  if (v !== undefined) checkObject(fn, name, v);
  const { type = Adam, ...options } = spec;
  if (type instanceof Optimizer)
    throw new TypeError(
      `${fn}: ${name}.type must be an optimizer class such as optim.Adam, not an instance: the model builds it over its own parameters`,
    );
  if (typeof type !== 'function' || !(type.prototype instanceof Optimizer))
    throw new TypeError(
      `${fn}: ${name}.type must be an optimizer class of this library (optim.Adam, optim.SGD, …), got ${describe(type)}`,
    );
  for (const [K, why] of CLOSURE)
    if (type === K || type.prototype instanceof (K as typeof Object))
      throw new TypeError(
        `${fn}: ${name}.type: ${why}; a training step here gives it one gradient`,
      );
  const make = (params: Param[]) => new type(params, options) as Optimizer<object>;
  try {
    make([{ data: new Float32Array(1), grad: new Float32Array(1) }]);
  } catch (e) {
    const E = e instanceof RangeError ? RangeError : TypeError;
    throw new E(`${fn}: ${name}: ${(e as Error).message}`);
  }
  return make;
}

/** A spec's description for reports: "Adam lr 0.0002 betas 0.5,0.999". */
export function describeSpec(spec: OptimizerSpec): string {
  const { type = Adam, ...o } = spec;
  const rest = Object.entries(o).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : v}`);
  return [type.name, ...rest].join(' ');
}
