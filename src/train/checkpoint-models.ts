/**
 * The models a checkpoint holds: one (`model`, buffers named as the model names them) or
 * several trained together (`models: { encoder, decoder }`: a GAN, a VAE), whose buffers are
 * named `<model>:<parameter>`. An optimizer saved or restored with them must update only their
 * parameters, or a restore would leave part of what it steps behind.
 */
import { describe } from '../backend/validate.js';
import type { Model } from '../nn/model.js';
import type { OptimizerLike } from '../optim/optimizer.js';
import type { Rng } from '../random.js';
import type { Architecture, LayerDescription } from './checkpoint-manifest.js';
import { layerConfig, layerRng, walkLayers } from './introspect.js';
import { few, paramCoverage } from './param-coverage.js';

export interface NamedModel {
  /** '' for a checkpoint of one model. */
  name: string;
  model: Model;
}

export const MODEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The prefix of a model's buffer names. */
export function prefixOf(name: string): string {
  return name ? `${name}:` : '';
}

function isModel(m: unknown): m is Model {
  return (
    m !== null &&
    typeof m === 'object' &&
    (m as Model).params instanceof Float32Array &&
    typeof (m as Model).parameters === 'function'
  );
}

/** `model` or `models` from save/restore options, checked. */
export function modelsOf(
  fn: string,
  o: { model?: unknown; models?: unknown },
  verb: 'save' | 'restore',
): NamedModel[] {
  if (o.model !== undefined && o.models !== undefined)
    throw new TypeError(`${fn}: give model or models, not both`);
  if (o.models === undefined) {
    if (!isModel(o.model))
      throw new TypeError(
        `${fn}: option model must be a Model${verb === 'save' ? ' (or models: { name: Model, … })' : ''}, got ${describe(o.model)}`,
      );
    return [{ name: '', model: o.model }];
  }
  const ms = o.models;
  if (ms === null || typeof ms !== 'object' || Array.isArray(ms))
    throw new TypeError(
      `${fn}: option models must be an object { name: Model, … }, got ${describe(ms)}`,
    );
  const out: NamedModel[] = [];
  for (const [name, model] of Object.entries(ms)) {
    if (!MODEL_NAME.test(name))
      throw new TypeError(
        `${fn}: model name ${JSON.stringify(name)} must be an identifier (letters, digits, _)`,
      );
    if (!isModel(model))
      throw new TypeError(`${fn}: option models.${name} must be a Model, got ${describe(model)}`);
    const twice = out.find((e) => e.model === model);
    if (twice)
      throw new TypeError(`${fn}: models.${twice.name} and models.${name} are the same model`);
    out.push({ name, model });
  }
  if (out.length === 0) throw new TypeError(`${fn}: option models is empty`);
  return out;
}

/** Refuses an optimizer that updates parameters outside the given models. */
export function checkOptimizerWithin(
  fn: string,
  models: readonly NamedModel[],
  optimizer: OptimizerLike,
): void {
  const { foreign } = paramCoverage(models, optimizer);
  if (foreign.length === 0) return;
  const which =
    models.length === 1 && !models[0].name
      ? 'the model'
      : `the models ${models.map((m) => m.name).join(', ')}`;
  throw new RangeError(
    `${fn}: the optimizer updates parameters outside ${which}: ${few(foreign)}; a checkpoint must hold every model the optimizer trains: pass them all as models: { name: model, … }`,
  );
}

export function architectureOf(model: Model): Architecture {
  return {
    inputShape: [...model.inputShape],
    outputShape: [...model.outputShape],
    paramCount: model.paramCount,
    layers: walkLayers(model.net).map(
      ({ layer, path }): LayerDescription => ({
        path,
        className: layer.constructor.name,
        name: layer.name,
        config: JSON.parse(JSON.stringify(layerConfig(layer) ?? null)),
        inputShape: [...layer.inputShape],
        outputShape: [...layer.outputShape],
        params: layer.paramSpecs().map((s) => (path ? `${path}.${s.name}` : s.name)),
      }),
    ),
  };
}

export function rngLayersOf(model: Model): Array<{ path: string; state: number[] }> {
  return walkLayers(model.net)
    .map(({ layer, path }) => ({ path, rng: layerRng(layer) }))
    .filter((l): l is { path: string; rng: Rng } => l.rng !== null)
    .map(({ path, rng }) => ({ path, state: Array.from(rng.state) }));
}
