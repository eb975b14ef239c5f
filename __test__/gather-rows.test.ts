/** data.gatherRows: the batch gather on every backend, its checks, and the datasets using it. */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type BackendName, backend, getBackend, setBackend } from '../src/backend/select.js';
import { gatherRows } from '../src/data/gather-rows.js';
import { permutation, TensorDataset } from '../src/data/tensor-dataset.js';
import { MemoryDataset } from '../src/train/memory-dataset.js';

const before = getBackend().name;
afterAll(() => {
  setBackend(before);
});

/** A table whose every value tells its row and column apart. */
function table(rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < t.length; i++) t[i] = Math.floor(i / cols) * 1000 + (i % cols) + 0.5;
  return t;
}

function reference(t: Float32Array, cols: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * cols);
  for (let r = 0; r < idx.length; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = t[idx[r] * cols + c];
  return out;
}

for (const be of ['js', 'native', 'wasm'] as BackendName[]) {
  describe(`gatherRows (${be})`, () => {
    it('copies the picked rows, repeats included, into out or a new array', () => {
      setBackend(be);
      const t = table(50, 7);
      const idx = new Int32Array([49, 0, 3, 3, 17]);
      expect(gatherRows(t, 7, idx)).toEqual(reference(t, 7, idx));
      const out = new Float32Array(idx.length * 7).fill(-1);
      expect(gatherRows(t, 7, idx, out)).toBe(out);
      expect(out).toEqual(reference(t, 7, idx));
      expect(gatherRows(t, 7, new Int32Array(0))).toEqual(new Float32Array(0));
    });

    it('gathers a batch large enough to be split over threads the same as row by row', () => {
      setBackend(be);
      const t = table(1000, 784);
      const idx = permutation(1000, 5).subarray(0, 257); // an odd count: uneven halves
      expect(gatherRows(t, 784, idx)).toEqual(reference(t, 784, idx));
    });
  });
}

describe('gatherRows checks', () => {
  const t = table(4, 3);
  const cases: [string, () => unknown, RegExp][] = [
    ['table', () => gatherRows([1, 2, 3] as never, 3, new Int32Array([0])), /table/],
    ['rowLength 0', () => gatherRows(t, 0, new Int32Array([0])), /rowLength/],
    ['rowLength 2.5', () => gatherRows(t, 2.5, new Int32Array([0])), /rowLength/],
    ['rowLength 5', () => gatherRows(t, 5, new Int32Array([0])), /not a multiple of rowLength 5/],
    ['indices', () => gatherRows(t, 3, [0] as never), /indices/],
    ['index 4', () => gatherRows(t, 3, new Int32Array([1, 4])), /indices\[1\] = 4.*\[0, 4\)/],
    ['index -1', () => gatherRows(t, 3, new Int32Array([-1])), /indices\[0\] = -1/],
    ['out type', () => gatherRows(t, 3, new Int32Array([0]), [0, 0, 0] as never), /out/],
    ['out length', () => gatherRows(t, 3, new Int32Array([0]), new Float32Array(4)), /out.*3/],
    [
      'out overlaps table',
      () => gatherRows(t, 3, new Int32Array([0]), t.subarray(3, 6)),
      /overlaps table/,
    ],
  ];
  for (const [what, call, message] of cases)
    it(`refuses ${what}, naming the argument, before writing`, () => {
      const copy = t.slice();
      expect(call).toThrow(message);
      expect(t).toEqual(copy);
    });

  it('refuses an out over the indices on every backend (the JS copy would read what it wrote)', () => {
    const buf = new ArrayBuffer(4 * 4);
    const idx = new Int32Array(buf, 0, 1); // [0]
    const out = new Float32Array(buf, 0, 3); // starts on idx[0]
    for (const be of ['js', 'native', 'wasm'] as BackendName[]) {
      setBackend(be);
      expect(() => gatherRows(table(1, 3), 3, idx, out)).toThrow(
        /gatherRows: argument out overlaps indices/,
      );
      expect(Array.from(idx)).toEqual([0]);
    }
  });

  it('refuses a bad out before writing it', () => {
    const out = new Float32Array(6).fill(7);
    expect(() => gatherRows(t, 3, new Int32Array([0, 9]), out)).toThrow(/indices\[1\]/);
    expect(out).toEqual(new Float32Array(6).fill(7));
  });
});

describe('datasets gather their shuffled batches with one kernel call', () => {
  it('TensorDataset and MemoryDataset: the js backend batches, one call per batch', () => {
    const n = 300;
    const cols = 784;
    const x = table(n, cols);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const datasets = () => [
      new TensorDataset({ data: x, shape: [n, cols] }, labels),
      new MemoryDataset(x, labels, n, [cols], null, 10),
    ];
    /** Copies of every batch's inputs and labels (the batch buffers are reused). */
    const pass = (be: BackendName) => {
      setBackend(be);
      return datasets().map((ds) =>
        Array.from(ds.batches({ batchSize: 128, shuffle: true, seed: 3 }), (b) => [
          b.x.data.slice(),
          (b.y as Int32Array).slice(),
        ]),
      );
    };
    const want = pass('js');
    const spy = vi.spyOn(backend('native').kernels, 'embeddingForward');
    try {
      const got = pass('native');
      expect(spy).toHaveBeenCalledTimes(2 * 3); // 2 datasets × 3 batches
      expect(got).toEqual(want);
      // the batches are shuffled: the first one's rows are not 0, 1, 2, …
      const first = got[0][0][0] as Float32Array;
      const rows = Array.from({ length: 128 }, (_, r) => Math.floor(first[r * cols] / 1000));
      expect(rows).not.toEqual(Array.from({ length: 128 }, (_, r) => r));
      for (const ds of got) expect(ds).toHaveLength(3);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a dataset on a SharedArrayBuffer', () => {
  it('is gathered by the JS copy, not handed to a native kernel', () => {
    setBackend('native');
    const n = 200;
    const x = new Float32Array(new SharedArrayBuffer(4 * n * 784));
    x.set(table(n, 784));
    const spy = vi.spyOn(backend('native').kernels, 'embeddingForward');
    try {
      const ds = new TensorDataset({ data: x, shape: [n, 784] }, new Int32Array(n));
      for (const b of ds.batches({ batchSize: 128, shuffle: true, seed: 1 })) {
        const rows = Int32Array.from({ length: b.size }, (_, r) =>
          Math.floor(b.x.data[r * 784] / 1000),
        );
        expect(b.x.data).toEqual(reference(x, 784, rows));
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
