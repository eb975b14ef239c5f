/**
 * Checkpoints of several models trained by one optimizer (an autoencoder's encoder and
 * decoder): saved and restored together by name; an optimizer spanning models that are not
 * all in the checkpoint is refused before anything is written or changed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dropout } from '../src/nn/dropout.js';
import { Linear, Model, Sequential, Tanh } from '../src/nn/index.js';
import { Adam } from '../src/optim/adam.js';
import { Rng } from '../src/random.js';
import { fit, loadCheckpoint, saveCheckpoint } from '../src/train/index.js';
import { LocalMSE } from './helpers/train-fixtures.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'descent-ckm-'));
  dirs.push(d);
  return d;
}

/** An autoencoder 6 → 3 → 6 as two models, and one Adam over both. */
function autoencoder(seed: number) {
  const encoder = new Model(new Sequential([new Linear(6, 3), new Tanh(), new Dropout(0.1)]), [6], {
    seed,
  });
  const decoder = new Model(new Sequential([new Linear(3, 6)]), [3], { seed: seed + 1 });
  const optimizer = new Adam([...encoder.parameters(), ...decoder.parameters()], { lr: 0.01 });
  return { encoder, decoder, optimizer };
}

/** A few steps of reconstruction training by hand (fit trains one model). */
function train(ae: ReturnType<typeof autoencoder>, steps: number): void {
  const x = { data: new Rng(5).normal(8 * 6), shape: [8, 6] };
  const loss = new LocalMSE();
  for (let s = 0; s < steps; s++) {
    ae.encoder.zeroGrad();
    ae.decoder.zeroGrad();
    const h = ae.encoder.forward(x, { training: true });
    const y = ae.decoder.forward(h, { training: true });
    const g = new Float32Array(y.data.length);
    loss.forward(y, x, g);
    const dh = ae.decoder.backward({ data: g, shape: y.shape });
    ae.encoder.backward(dh, { inputGrad: false });
    ae.optimizer.step();
  }
}

describe('several models in one checkpoint', () => {
  it('saves and restores an encoder and a decoder with their shared optimizer', () => {
    const dir = join(tmp(), 'ae');
    const a = autoencoder(1);
    train(a, 5);
    saveCheckpoint(dir, {
      models: { encoder: a.encoder, decoder: a.decoder },
      optimizer: a.optimizer,
      epoch: 5,
    });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(m.version).toBe(2);
    expect(m.architecture).toBeNull();
    expect(m.models.map((e: { name: string }) => e.name)).toEqual(['encoder', 'decoder']);
    expect(m.models[0].rngLayers.map((l: { path: string }) => l.path)).toEqual(['2']);
    expect(m.weights.buffers.slice(0, 4).map((b: { name: string }) => b.name)).toEqual([
      'encoder:0.weight',
      'encoder:0.bias',
      'decoder:0.weight',
      'decoder:0.bias',
    ]);

    const b = autoencoder(9);
    const ck = loadCheckpoint(dir, {
      models: { decoder: b.decoder, encoder: b.encoder },
      optimizer: b.optimizer,
    });
    expect(ck.models).toEqual(['encoder', 'decoder']);
    expect(Array.from(b.encoder.params)).toEqual(Array.from(a.encoder.params));
    expect(Array.from(b.decoder.params)).toEqual(Array.from(a.decoder.params));
    expect(b.optimizer.stateDict()).toEqual(a.optimizer.stateDict());
    // both continue identically (the dropout generator included)
    train(a, 3);
    train(b, 3);
    expect(Array.from(b.encoder.params)).toEqual(Array.from(a.encoder.params));
    expect(Array.from(b.decoder.params)).toEqual(Array.from(a.decoder.params));
    // the models section is validated like the rest of the manifest
    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary manifest JSON
    type Json = Record<string, any>;
    const edited = (edit: (m: Json) => void, msg: RegExp) => {
      const copy = JSON.parse(JSON.stringify(m));
      edit(copy);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(copy));
      expect(() => loadCheckpoint(dir)).toThrow(msg);
    };
    edited((x) => (x.version = 1), /models: needs version 2 or later, the manifest says 1/);
    edited((x) => (x.architecture = x.models[0].architecture), /architecture: must be null/);
    edited((x) => (x.models[1].name = 'encoder'), /models\[1\]\.name: "encoder" appears twice/);
    edited(
      (x) => (x.models[1].name = 'dec'),
      /"decoder:0\.weight" is not prefixed by a model name \(encoder, dec\)/,
    );
  });

  it('refuses an optimizer that spans models the checkpoint would not hold, writing nothing', () => {
    const dir = join(tmp(), 'ae');
    const a = autoencoder(1);
    expect(() =>
      saveCheckpoint(dir, { model: a.encoder, optimizer: a.optimizer, epoch: 1 }),
    ).toThrow(
      /saveCheckpoint: the optimizer updates parameters outside the model: paramGroups\[0\]\.params\[2\] \("0\.weight"\), paramGroups\[0\]\.params\[3\] \("0\.bias"\); a checkpoint must hold every model the optimizer trains: pass them all as models: \{ name: model, … \}/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(() => saveCheckpoint(dir, { models: { a: a.encoder, b: a.encoder }, epoch: 1 })).toThrow(
      /models\.a and models\.b are the same model/,
    );
    expect(() => saveCheckpoint(dir, { models: { 'my model': a.encoder }, epoch: 1 })).toThrow(
      /model name "my model" must be an identifier/,
    );
    expect(() =>
      saveCheckpoint(dir, { model: a.encoder, models: { d: a.decoder }, epoch: 1 }),
    ).toThrow(/give model or models, not both/);
    expect(() => saveCheckpoint(dir, { modle: a.encoder, epoch: 1 } as never)).toThrow(
      /saveCheckpoint: unknown option "modle" \(did you mean "model"\?\)/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('restores only into the same named models, checking everything before changing anything', () => {
    const dir = join(tmp(), 'ae');
    const a = autoencoder(1);
    train(a, 2);
    saveCheckpoint(dir, {
      models: { encoder: a.encoder, decoder: a.decoder },
      optimizer: a.optimizer,
      epoch: 2,
    });
    const b = autoencoder(7);
    const before = [Array.from(b.encoder.params), Array.from(b.decoder.params)];
    const state = JSON.stringify(b.optimizer.stateDict());
    const unchanged = () => {
      expect([Array.from(b.encoder.params), Array.from(b.decoder.params)]).toEqual(before);
      expect(JSON.stringify(b.optimizer.stateDict())).toBe(state);
    };
    expect(() => loadCheckpoint(dir, { model: b.encoder })).toThrow(
      /the checkpoint holds several models \(encoder, decoder\): restore them together with models: \{ encoder, decoder \}/,
    );
    expect(() =>
      loadCheckpoint(dir, { models: { encoder: b.encoder }, optimizer: b.optimizer }),
    ).toThrow(/the checkpoint holds the models encoder, decoder; missing: decoder/);
    unchanged();
    // a decoder of another width: refused after the encoder checked fine, nothing copied
    const wide = new Model(new Sequential([new Linear(3, 7)]), [3]);
    expect(() => loadCheckpoint(dir, { models: { encoder: b.encoder, decoder: wide } })).toThrow(
      /parameter decoder:0\.weight has shape \[6, 3\] in the checkpoint, \[7, 3\] in the model decoder/,
    );
    unchanged();
    // an optimizer over the encoder and a model that is not in the checkpoint
    const stranger = new Model(new Sequential([new Linear(3, 6)]), [3]);
    expect(() =>
      loadCheckpoint(dir, {
        models: { encoder: b.encoder, decoder: b.decoder },
        optimizer: new Adam([...b.encoder.parameters(), ...stranger.parameters()]),
      }),
    ).toThrow(/the optimizer updates parameters outside the models encoder, decoder/);
    unchanged();
    // fit resumes one model: it says why it cannot
    expect(() =>
      fit(
        b.decoder,
        {
          x: { data: new Float32Array(12), shape: [4, 3] },
          y: { data: new Float32Array(24), shape: [4, 6] },
        },
        {
          optimizer: new Adam(b.decoder.parameters()),
          loss: new LocalMSE(),
          epochs: 3,
          verbose: 0,
          resumeFrom: dir,
        },
      ),
    ).toThrow(/holds several models \(encoder, decoder\)/);
    unchanged();
  });

  it('a one-model checkpoint is still version 1 and refuses models', () => {
    const dir = join(tmp(), 'one');
    const a = autoencoder(1);
    saveCheckpoint(dir, { model: a.decoder, epoch: 0 });
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).version).toBe(1);
    expect(loadCheckpoint(dir).models).toEqual([]);
    expect(() => loadCheckpoint(dir, { models: { decoder: a.decoder } })).toThrow(
      /the checkpoint holds one model: restore it with model, not models/,
    );
  });
});
