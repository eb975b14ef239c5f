/** Data: IDX and CSV readers, TensorDataset batching/splitting/normalisation, augmentation, Fashion-MNIST. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { augmented, mixSeeds, shiftFlip } from '../src/data/augment.js';
import { csvDataset, parseCsv, readCsv } from '../src/data/csv.js';
import type { Batch, Dataset } from '../src/data/dataset.js';
import {
  FASHION_MNIST_BUNDLED_DIR,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_ENV,
  loadFashionMnist,
} from '../src/data/fashion-mnist.js';
import { encodeIdx, type IdxData, parseIdx, readIdx, writeIdx } from '../src/data/idx.js';
import {
  computeStats,
  fromBytes,
  mapInputs,
  normalize,
  permutation,
  TensorDataset,
} from '../src/data/tensor-dataset.js';
import { Linear, Model, Sequential } from '../src/nn/index.js';
import { MSELoss } from '../src/nn/losses/mse.js';
import type { Tensor } from '../src/nn/tensor.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'descent-data-'));
});
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const BACKENDS: BackendName[] = ['js', 'native'];

/** A dataset whose sample i has every input element equal to i, label i % k. */
function indexed(n: number, sample: number[] = [2], k = 5): TensorDataset {
  const d = sample.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) x.fill(i, i * d, (i + 1) * d);
  const y = Int32Array.from({ length: n }, (_, i) => i % k);
  return new TensorDataset({ data: x, shape: [n, ...sample] }, y, { numClasses: k });
}

/** Stored-sample ids of a batch of `indexed` data (the first input element of each sample). */
function ids(b: Batch): number[] {
  const d = b.x.data.length / b.size;
  return Array.from({ length: b.size }, (_, i) => b.x.data[i * d]);
}

/** Bitwise equality of two float arrays (vitest's deep equality is slow on millions of elements). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

function passIds(ds: Dataset, opts: Parameters<Dataset['batches']>[0]): number[] {
  const out: number[] = [];
  for (const b of ds.batches(opts)) out.push(...ids(b));
  return out;
}

// ---------------------------------------------------------------------------------------------
describe('IDX', () => {
  const samples: Array<[string, IdxData, number[]]> = [
    ['uint8', Uint8Array.from([0, 1, 127, 128, 255, 42]), [2, 3]],
    ['int8', Int8Array.from([-128, -1, 0, 1, 127, 5]), [3, 2]],
    ['int16', Int16Array.from([-32768, -2, 0, 258, 32767, 7]), [6]],
    ['int32', Int32Array.from([-2147483648, -1, 0, 65536, 2147483647, 9]), [1, 2, 3]],
    ['float32', Float32Array.from([-1.5, 0, 3.25, Number.NaN, -0, 1e-30]), [2, 1, 3]],
    [
      'float64',
      Float64Array.from([Math.PI, -1e300, 5e-324, Number.NEGATIVE_INFINITY, -0, 1]),
      [6, 1],
    ],
  ];

  for (const gzip of [false, true]) {
    it.each(samples)(`%s round trip (${gzip ? 'gzipped' : 'plain'})`, (dtype, data, shape) => {
      const path = join(tmp, `rt-${dtype}${gzip ? '.gz' : ''}`);
      writeIdx(path, { shape, data }, { gzip });
      const bytes = readFileSync(path);
      expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
      const r = readIdx(path);
      expect(r.dtype).toBe(dtype);
      expect(r.shape).toEqual(shape);
      expect(r.data.constructor).toBe(data.constructor);
      expect(Array.from(r.data)).toEqual(Array.from(data));
      // -0 survives (bit-exact floats)
      if (dtype.startsWith('float')) expect(Object.is(r.data[4], -0)).toBe(true);
      expect(parseIdx(encodeIdx({ shape, data }, { gzip })).data).toEqual(r.data);
    });
  }

  it('reads big-endian data written by hand, and empty / zero-dimensional arrays', () => {
    const hand = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    const r = parseIdx(hand);
    expect(r.shape).toEqual([2]);
    expect(Array.from(r.data)).toEqual([258, -2]);
    const f = parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]));
    expect(Array.from(f.data)).toEqual([1]);
    expect(parseIdx(encodeIdx({ shape: [0, 28], data: new Uint8Array(0) })).shape).toEqual([0, 28]);
    const scalar = parseIdx(encodeIdx({ shape: [], data: Int32Array.of(-7) }));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([-7]);
  });

  it('writes atomically (no temporary file left) and replaces an existing file', () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    const path = join(dir, 'a.idx');
    writeIdx(path, { shape: [3], data: Uint8Array.of(1, 2, 3) });
    writeIdx(path, { shape: [2], data: Uint8Array.of(9, 8) });
    expect(readdirSync(dir)).toEqual(['a.idx']);
    expect(Array.from(readIdx(path).data)).toEqual([9, 8]);
    // gzip by default for a .gz name
    writeIdx(join(dir, 'b.gz'), { shape: [1], data: Uint8Array.of(5) });
    expect(readFileSync(join(dir, 'b.gz'))[0]).toBe(0x1f);
    expect(() => writeIdx(join(dir, 'c'), { shape: [2], data: Uint8Array.of(1) })).toThrow(
      /shape \[2\] has 2 elements, data has 1/,
    );
    expect(() => writeIdx(join(dir, 'nope', 'd'), { shape: [1], data: Uint8Array.of(1) })).toThrow(
      /nope.*write failed/,
    );
  });

  function corrupt(name: string, bytes: Uint8Array, gzip = false): string {
    const p = join(tmp, name);
    writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
    return p;
  }
  const good = encodeIdx({ shape: [4, 3], data: new Int16Array(12).fill(3) });

  for (const gz of [false, true]) {
    const tag = gz ? ' (gzipped)' : '';
    it(`refuses a bad magic number, naming the file${tag}`, () => {
      const b = good.slice();
      b[0] = 0x12;
      const p = corrupt(`badmagic${gz ? '.gz' : ''}`, b, gz);
      expect(() => readIdx(p)).toThrow(new RegExp(`IDX ${p}: bad magic number 12 00 0b 02`));
    });
    it(`refuses an unknown dtype, naming the file${tag}`, () => {
      const b = good.slice();
      b[2] = 0x0a;
      const p = corrupt(`baddtype${gz ? '.gz' : ''}`, b, gz);
      expect(() => readIdx(p)).toThrow(new RegExp(`IDX ${p}: unknown dtype code 0x0a`));
    });
    it(`refuses a truncated file and one with extra bytes, naming the file${tag}`, () => {
      const p = corrupt(`trunc${gz ? '.gz' : ''}`, good.subarray(0, good.length - 1), gz);
      expect(() => readIdx(p)).toThrow(
        new RegExp(`IDX ${p}: truncated: shape \\[4, 3\\] of int16 needs 24 data bytes .* has 23`),
      );
      const q = corrupt(`extra${gz ? '.gz' : ''}`, Uint8Array.from([...good, 0]), gz);
      expect(() => readIdx(q)).toThrow(new RegExp(`IDX ${q}: size mismatch.*1 extra`));
      const h = corrupt(`shorthdr${gz ? '.gz' : ''}`, good.subarray(0, 6), gz);
      expect(() => readIdx(h)).toThrow(new RegExp(`IDX ${h}: truncated header`));
    });
    it(`refuses more than 1 GiB declared before allocating, naming the file${tag}`, () => {
      // [65536, 65536, 2] float64 = 64 GiB declared, a 16-byte file.
      const b = Uint8Array.from([0, 0, 0x0e, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]);
      const p = corrupt(`huge${gz ? '.gz' : ''}`, b, gz);
      expect(() => readIdx(p)).toThrow(
        new RegExp(
          `IDX ${p}: declared shape \\[65536, 65536, 2\\] of float64 needs 64.00 GiB, more than the limit of 1.00 GiB`,
        ),
      );
      // 1 GiB exactly is allowed by the header check (then refused as truncated)
      const edge = Uint8Array.from([0, 0, 0x08, 1, 0x40, 0, 0, 0]);
      const e = corrupt(`edge${gz ? '.gz' : ''}`, edge, gz);
      expect(() => readIdx(e)).toThrow(/truncated/);
    });
  }

  it('refuses gzip data that inflates past the limit, and corrupt gzip', () => {
    const big = encodeIdx({ shape: [5000], data: new Uint8Array(5000) }, { gzip: true });
    const p = join(tmp, 'bomb.gz');
    writeFileSync(p, big);
    expect(() => readIdx(p, { maxBytes: 1000 })).toThrow(
      new RegExp(`IDX ${p}: decompresses to more than the limit of 1000 bytes`),
    );
    expect(readIdx(p, { maxBytes: 5000 }).shape).toEqual([5000]);
    const cut = join(tmp, 'cut.gz');
    writeFileSync(cut, big.subarray(0, big.length - 10));
    expect(() => readIdx(cut)).toThrow(new RegExp(`IDX ${cut}: gzip data is corrupt`));
    expect(() => readIdx(join(tmp, 'missing-file'))).toThrow(/missing-file: cannot open/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('CSV', () => {
  it('header with the label column by name', () => {
    const c = parseCsv('a,b,label,c\n1,2,0,3\n4.5,-6e-1,2,.5\n', { label: 'label' });
    expect(c.columns).toEqual(['a', 'b', 'c']);
    expect(c.labelName).toBe('label');
    expect(c.x.shape).toEqual([2, 3]);
    expect(Array.from(c.x.data)).toEqual([1, 2, 3, 4.5, Math.fround(-0.6), 0.5]);
    expect(c.y).toBeInstanceOf(Int32Array);
    expect(Array.from(c.y!)).toEqual([0, 2]);
    expect(c.numClasses).toBe(3);
    // with the label named but absent
    expect(() => parseCsv('a,b\n1,2', { label: 'y' })).toThrow(/no column named "y".*"a", "b"/);
  });

  it('no header: label by index (negative from the end), auto-detected header', () => {
    const c = parseCsv('1,2,3\n4,5,6\n', { label: 0 });
    expect(c.columns).toEqual(['c1', 'c2']);
    expect(Array.from(c.y!)).toEqual([1, 4]);
    expect(Array.from(c.x.data)).toEqual([2, 3, 5, 6]);
    const last = parseCsv('1,2,3\n4,5,6', { label: -1, header: false });
    expect(Array.from(last.y!)).toEqual([3, 6]);
    expect(last.numClasses).toBe(7);
    expect(parseCsv('1,2\n3,4').x.shape).toEqual([2, 2]); // no header, no label
    expect(() => parseCsv('1,2\n3,4', { label: 'x' })).toThrow(/no header row/);
    expect(() => parseCsv('1,2\n3,4', { label: 2 })).toThrow(
      /index 2 is out of range for 2 columns/,
    );
    // header: true forces a numeric first row to be names
    expect(parseCsv('10,20\n3,4', { header: true }).columns).toEqual(['10', '20']);
  });

  it('quoted fields: delimiters, doubled quotes and newlines inside quotes; CRLF; other delimiters', () => {
    const text = '"x, first","say ""hi""\nthere",y\r\n"1.5", 2 ,"1"\r\n3,"4",0\r\n\r\n';
    const c = parseCsv(text, { label: 'y' });
    expect(c.columns).toEqual(['x, first', 'say "hi"\nthere']);
    expect(Array.from(c.x.data)).toEqual([1.5, 2, 3, 4]);
    expect(Array.from(c.y!)).toEqual([1, 0]);
    const semi = parseCsv('a;b\n"1.5";2\n', { delimiter: ';', label: 'b' });
    expect(Array.from(semi.x.data)).toEqual([1.5]);
    expect(() => parseCsv('a;b\n"1;5";2\n', { delimiter: ';' })).toThrow(
      /not a number at row 1 .*column 1 \("a"\): "1;5"/,
    );
    const tsv = parseCsv('a\tb\n1\t2\n', { delimiter: '\t', label: 1 });
    expect(Array.from(tsv.x.data)).toEqual([1]);
    expect(() => parseCsv('a,b\n"1,2\n')).toThrow(/never closed/);
    expect(() => parseCsv('a,b\n1"2,3\n')).toThrow(/line 2: a quote inside an unquoted field/);
  });

  it('missing values are refused with their row and column unless allowMissing', () => {
    expect(() => parseCsv('a,b,c\n1,2,3\n4,,6\n')).toThrow(
      /missing value at row 2 \(line 3\), column 2 \("b"\): ""/,
    );
    expect(() => parseCsv('1,2,3\n4,5,NaN\n')).toThrow(
      /missing value at row 2 \(line 2\), column 3 \("c2"\): "NaN"/,
    );
    const ok = parseCsv('a,b,y\n1,NA,0\n,2,1\n', { allowMissing: true, label: 'y' });
    expect(Array.from(ok.x.data).map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([
      1,
      'nan',
      'nan',
      2,
    ]);
    expect(() => parseCsv('a,y\n1,\n', { allowMissing: true, label: 'y' })).toThrow(
      /missing label at row 1 \(line 2\), column 2 \("y"\)/,
    );
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/row 2 \(line 3\) has 1 fields, expected 2/);
    expect(() => parseCsv('a,b\n1,abc\n')).toThrow(
      /not a number at row 1 \(line 2\), column 2 \("b"\): "abc"/,
    );
    expect(() => parseCsv('a\n1e999\n')).toThrow(/out of range at row 1/);
  });

  it('float labels give a Float32Array and a dense-target dataset; files read by path', () => {
    const c = parseCsv('x,t\n1,0.5\n2,-1\n', { label: 't' });
    expect(c.y).toBeInstanceOf(Float32Array);
    expect(c.numClasses).toBeNull();
    const ds = csvDataset(c);
    expect(ds.numClasses).toBeNull();
    expect(ds.targetShape).toEqual([1]);
    const p = join(tmp, 'iris.csv');
    writeFileSync(p, 'sl,sw,cls\n5.1,3.5,0\n7.0,3.2,1\n6.3,3.3,2\n');
    const iris = csvDataset(readCsv(p, { label: 'cls' }));
    expect(iris.length).toBe(3);
    expect(iris.numClasses).toBe(3);
    expect(iris.inputShape).toEqual([2]);
    expect(() => readCsv(join(tmp, 'bad.csv'))).toThrow(/bad\.csv: cannot read/);
    writeFileSync(join(tmp, 'bad2.csv'), 'a\nx\n');
    expect(() => readCsv(join(tmp, 'bad2.csv'))).toThrow(/CSV .*bad2\.csv: not a number/);
  });
  it("labelType: 'float' keeps integer regression targets numbers; 'class' insists on indices", () => {
    const text = 'rooms,price\n2,300\n3,450\n4,500\n';
    const auto = parseCsv(text, { label: 'price' });
    expect(auto.y).toBeInstanceOf(Int32Array); // all integers: read as classes by default
    expect(auto.numClasses).toBe(501);
    const num = parseCsv(text, { label: 'price', labelType: 'float' });
    expect(num.y).toBeInstanceOf(Float32Array);
    expect(Array.from(num.y!)).toEqual([300, 450, 500]);
    expect(num.numClasses).toBeNull();
    expect(csvDataset(num).targetShape).toEqual([1]);
    expect(parseCsv(text, { label: 'price', labelType: 'class' }).numClasses).toBe(501);
    expect(() => parseCsv('a,y\n1,0\n2,1.5\n', { label: 'y', labelType: 'class' })).toThrow(
      /label 1\.5 at row 2 \(line 3\), column 2 \("y"\) is not a class index .*labelType: 'float'/,
    );
    expect(() => parseCsv(text, { label: 'price', labelType: 'flaot' as 'float' })).toThrow(
      /parseCsv: option labelType must be one of auto, class, float, got string "flaot" \(did you mean "float"\?\)/,
    );
    expect(() => parseCsv(text, { lable: 'price' } as never)).toThrow(
      /parseCsv: unknown option "lable" \(did you mean "label"\?\)/,
    );
    expect(() => readCsv(join(tmp, 'x.csv'), { labeltype: 'float' } as never)).toThrow(
      /readCsv: unknown option "labeltype" \(did you mean "labelType"\?\)/,
    );
    expect(() => csvDataset(num, { classes: 3 } as never)).toThrow(
      /csvDataset: unknown option "classes"/,
    );
    // the MSE error on integer targets read as classes points at the option
    const model = new Model(new Sequential([new Linear(1, 1)]), [1]);
    expect(() =>
      fit(model, csvDataset(auto), {
        optimizer: new SGD(model.parameters(), { lr: 1e-6 }),
        loss: new MSELoss(),
        epochs: 1,
        verbose: 0,
      }),
    ).toThrow(
      /class indices are for CrossEntropyLoss.*pass labelType: 'float' to readCsv\/parseCsv/,
    );
    const h = fit(model, csvDataset(num), {
      optimizer: new SGD(model.parameters(), { lr: 1e-6 }),
      loss: new MSELoss(),
      epochs: 1,
      verbose: 0,
    });
    expect(Number.isFinite(h.loss[0])).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe('TensorDataset', () => {
  it('unshuffled batches are views into the stored buffers; the last one may be short', () => {
    const ds = indexed(10, [1, 2, 2]);
    expect(ds.inputShape).toEqual([1, 2, 2]);
    const batches = [...ds.batches({ batchSize: 4 })];
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    for (const b of batches) {
      expect(b.x.data.buffer).toBe(ds.x.data.buffer);
      expect((b.y as Int32Array).buffer).toBe((ds.y as Int32Array).buffer);
      expect(b.x.shape).toEqual([b.size, 1, 2, 2]);
    }
    expect(batches.flatMap(ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...ds.batches({ batchSize: 4, dropLast: true })].map((b) => b.size)).toEqual([4, 4]);
    expect([...ds.batches({ batchSize: 20 })].map((b) => b.size)).toEqual([10]);
    expect([...ds.batches({ batchSize: 20, dropLast: true })]).toEqual([]);
    expect([...ds.batches({ batchSize: 5, dropLast: true })].map((b) => b.size)).toEqual([5, 5]);
  });

  it('shuffled batches are a permutation gathered into two reused buffers', () => {
    const ds = indexed(23, [3]);
    const batches: Batch[] = [];
    const seen: number[] = [];
    const xBufs = new Set<ArrayBufferLike>();
    const yBufs = new Set<ArrayBufferLike>();
    for (const b of ds.batches({ batchSize: 5, shuffle: true, seed: 7 })) {
      batches.push(b);
      const bid = ids(b);
      // inputs and labels travel together
      expect(Array.from(b.y as Int32Array)).toEqual(bid.map((i) => i % 5));
      // the whole sample was gathered
      for (let i = 0; i < b.size; i++)
        expect(Array.from(b.x.data.subarray(i * 3, i * 3 + 3))).toEqual([bid[i], bid[i], bid[i]]);
      seen.push(...bid);
      xBufs.add(b.x.data.buffer);
      yBufs.add((b.y as Int32Array).buffer);
    }
    expect(batches.map((b) => b.size)).toEqual([5, 5, 5, 5, 3]);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(xBufs.size).toBe(1);
    expect(yBufs.size).toBe(1);
    expect([...xBufs][0]).not.toBe(ds.x.data.buffer);
    // dropLast with a shuffle drops the short batch
    const dl = passIds(ds, { batchSize: 5, shuffle: true, seed: 7, dropLast: true });
    expect(dl).toEqual(seen.slice(0, 20));
    // the buffers persist across passes
    const again = [...ds.batches({ batchSize: 5, shuffle: true, seed: 8 })][0];
    expect(again.x.data.buffer).toBe([...xBufs][0]);
  });

  it('the same seed gives the same order on both backends; other seeds differ', () => {
    const ds = indexed(1000);
    const orders = BACKENDS.map((name) => {
      setBackend(name);
      return passIds(ds, { batchSize: 64, shuffle: true, seed: 42 });
    });
    expect(orders[1]).toEqual(orders[0]);
    setBackend('js');
    expect(passIds(ds, { batchSize: 64, shuffle: true, seed: 42 })).toEqual(orders[0]);
    expect(passIds(ds, { batchSize: 64, shuffle: true, seed: 43 })).not.toEqual(orders[0]);
    // the default seed is 0
    expect(passIds(ds, { batchSize: 64, shuffle: true })).toEqual(
      passIds(ds, { batchSize: 64, shuffle: true, seed: 0 }),
    );
    setBackend('native');
    const nativePerm = Array.from(permutation(500, 9));
    setBackend('js');
    expect(Array.from(permutation(500, 9))).toEqual(nativePerm);
  });

  it('the shuffle is uniform (all 6 orders of 3 equally often)', () => {
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const k = Array.from(permutation(3, s)).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // chi-square with 5 degrees of freedom; 20.5 is the 0.999 quantile
    let chi = 0;
    for (const c of counts.values()) chi += (c - 1000) ** 2 / 1000;
    expect(chi).toBeLessThan(20.5);
  });

  it('dense targets batch with their inputs', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    const y: Tensor = { data: Float32Array.from({ length: 6 }, (_, i) => 100 + i), shape: [6, 1] };
    const ds = new TensorDataset({ data: x, shape: [6, 2] }, y);
    expect(ds.numClasses).toBeNull();
    const [b0] = ds.batches({ batchSize: 4 });
    expect((b0.y as Tensor).shape).toEqual([4, 1]);
    expect((b0.y as Tensor).data.buffer).toBe(y.data.buffer);
    for (const b of ds.batches({ batchSize: 4, shuffle: true, seed: 3 })) {
      const t = b.y as Tensor;
      for (let i = 0; i < b.size; i++) expect(t.data[i]).toBe(100 + b.x.data[2 * i] / 2);
    }
  });

  it('split: a fraction or a count, disjoint and complete, seeded; unshuffled parts are views', () => {
    const ds = indexed(50);
    const [tr, va] = ds.split(0.2, { seed: 1 });
    expect([tr.length, va.length]).toEqual([40, 10]);
    const a = passIds(tr, { batchSize: 7 });
    const b = passIds(va, { batchSize: 7 });
    expect([...a, ...b].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual([...a].sort((p, q) => p - q)); // kept in storage order
    expect(ds.split(0.2, { seed: 1 })[1].indices).toEqual(va.indices);
    expect(ds.split(0.2, { seed: 2 })[1].indices).not.toEqual(va.indices);
    // the subsets share storage, and gathered batches carry the right labels
    expect(tr.x).toBe(ds.x);
    for (const bt of va.batches({ batchSize: 3, shuffle: true, seed: 5 }))
      expect(Array.from(bt.y as Int32Array)).toEqual(ids(bt).map((i) => i % 5));
    const [t2, v2] = ds.split({ validation: 5 }, { shuffle: false });
    expect(passIds(v2, { batchSize: 10 })).toEqual([45, 46, 47, 48, 49]);
    expect(t2.length).toBe(45);
    for (const bt of v2.batches({ batchSize: 2 })) expect(bt.x.data.buffer).toBe(ds.x.data.buffer);
    // a split of a split
    const [t3, v3] = tr.split({ validation: 4 }, { seed: 3 });
    expect(t3.length + v3.length).toBe(40);
    for (const i of passIds(v3, { batchSize: 4 })) expect(a).toContain(i);
    expect(() => ds.split(1.5)).toThrow(/fraction must be in \[0, 1\], got 1.5/);
    expect(() => ds.split({ validation: 51 })).toThrow(
      /validation must be an integer in \[0, 50\], got 51/,
    );
  });

  it('normalisation: given or computed per channel, applied once into new float32 storage', () => {
    // 2 channels of 4 pixels; channel 0 values i, channel 1 values 10 + 2i
    const n = 6;
    const x = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) {
      x.fill(i, i * 8, i * 8 + 4);
      x.fill(10 + 2 * i, i * 8 + 4, i * 8 + 8);
    }
    const ds = new TensorDataset({ data: x, shape: [n, 2, 2, 2] }, new Int32Array(n));
    const st = computeStats(ds);
    expect(st.mean[0]).toBeCloseTo(2.5, 12);
    expect(st.mean[1]).toBeCloseTo(15, 12);
    expect(st.std[0]).toBeCloseTo(Math.sqrt(35 / 12), 12);
    expect(st.std[1]).toBeCloseTo(2 * Math.sqrt(35 / 12), 12);
    const nd = normalize(ds);
    expect(nd.x.data).not.toBe(ds.x.data);
    const s2 = computeStats(nd);
    for (const m of s2.mean) expect(Math.abs(m)).toBeLessThan(1e-6);
    for (const s of s2.std) expect(s).toBeCloseTo(1, 6);
    // given values: one for all channels or one per channel
    const g = normalize(ds, 1, 2);
    expect(g.x.data[0]).toBe(-0.5);
    const pc = normalize(ds, [0, 10], [1, 2]);
    expect(Array.from(pc.x.data.subarray(8, 16))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => normalize(ds, [1, 2, 3], [1, 1, 1])).toThrow(
      /mean has 3 values; need 1 or one per channel \(2\)/,
    );
    expect(() => normalize(ds, 0, 0)).toThrow(/std must not be zero/);
    // stats of a subset use its samples only; normalising a subset compacts it
    const sub = ds.subset([0, 5]);
    expect(computeStats(sub, { perChannel: false }).mean[0]).toBeCloseTo((0 + 5 + 10 + 20) / 4, 12);
    const ns = normalize(sub, 0, 1);
    expect(ns.length).toBe(2);
    expect(ns.indices).toBeNull();
    expect(ns.x.data[8]).toBe(5);
    // mapInputs: any per-sample transform, once, with a new shape
    const flat = mapInputs(ds, (s, o) => o.set(s), [8]);
    expect(flat.inputShape).toEqual([8]);
  });

  it('fromBytes scales bytes to [0, 1] like ToTensor (b / 255), with optional mean/std', () => {
    const b = Uint8Array.from([0, 1, 128, 255]);
    const t = fromBytes(b, [2, 2]);
    expect(Array.from(t.data)).toEqual([0, Math.fround(1 / 255), Math.fround(128 / 255), 1]);
    const n = fromBytes(b, [4], { mean: 0.5, std: 0.5 });
    expect(n.data[0]).toBe(-1);
    expect(n.data[3]).toBe(1);
    expect(fromBytes(b, [4], { scale: 1 }).data[3]).toBe(255);
    expect(() => fromBytes(b, [3])).toThrow(/shape \[3\] has 3 elements, bytes has 4/);
  });

  it('refuses bad inputs with messages naming the argument', () => {
    const x = { data: new Float32Array(6), shape: [3, 2] };
    expect(() => new TensorDataset(x, Int32Array.of(0, 1))).toThrow(
      /y has 2 labels, x has 3 samples/,
    );
    expect(() => new TensorDataset(x, Int32Array.of(0, 1, -1))).toThrow(
      /y\[2\] = -1 is a negative class index/,
    );
    expect(() => new TensorDataset(x, Int32Array.of(0, 1, 4), { numClasses: 3 })).toThrow(
      /labels must be in \[0, numClasses = 3\), the largest is 4/,
    );
    expect(
      () => new TensorDataset({ data: new Float32Array(5), shape: [3, 2] }, new Int32Array(3)),
    ).toThrow(/x must be a Tensor/);
    expect(() => new TensorDataset(x, new Float32Array(3) as never)).toThrow(
      /y must be an Int32Array/,
    );
    expect(() => new TensorDataset(x, new Int32Array(3), { indices: [0, 3] })).toThrow(
      /indices\[1\] = 3 is not a sample index in \[0, 3\)/,
    );
    const ds = new TensorDataset(x, new Int32Array(3));
    expect(() => ds.batches({ batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => ds.batches({ batchSize: 2, seed: -1 })).toThrow(/seed must be an integer/);
    expect(() => ds.subset([3])).toThrow(/positions\[0\] = 3 is not in \[0, 3\)/);
    expect(ds.numClasses).toBe(1);
    expect(ds.reshape([2, 1]).inputShape).toEqual([2, 1]);
    expect(() => ds.reshape([3])).toThrow(/does not have the 2 elements/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('augmentation', () => {
  const H = 4;
  const W = 5;
  const img = Float32Array.from({ length: 2 * H * W }, (_, i) => i + 1); // 2 channels

  it('a shift moves pixels by (dx right, dy down) with zero fill', () => {
    const out = new Float32Array(img.length);
    shiftFlip(img, out, 2, H, W, 1, 2, false);
    for (let c = 0; c < 2; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const sy = y - 2;
          const sx = x - 1;
          const want = sy >= 0 && sx >= 0 ? img[c * H * W + sy * W + sx] : 0;
          expect(out[c * H * W + y * W + x]).toBe(want);
        }
    // negative shifts go up/left; a shift by the whole width empties the image
    shiftFlip(img, out, 2, H, W, -2, -1, false);
    expect(out[0]).toBe(img[1 * W + 2]);
    expect(out[W - 1]).toBe(0);
    shiftFlip(img, out, 2, H, W, W, 0, false);
    expect(out.every((v) => v === 0)).toBe(true);
    shiftFlip(img, out, 2, H, W, 0, 0, false);
    expect(out).toEqual(img);
  });

  it('a flip mirrors each row and is its own inverse', () => {
    const once = new Float32Array(img.length);
    const twice = new Float32Array(img.length);
    shiftFlip(img, once, 2, H, W, 0, 0, true);
    expect(Array.from(once.subarray(0, W))).toEqual([5, 4, 3, 2, 1]);
    shiftFlip(once, twice, 2, H, W, 0, 0, true);
    expect(twice).toEqual(img);
    // flip then shift
    shiftFlip(img, once, 2, H, W, 1, 0, true);
    expect(Array.from(once.subarray(0, W))).toEqual([0, 5, 4, 3, 2]);
  });

  function images(n: number): TensorDataset {
    const x = Float32Array.from(
      { length: n * H * W },
      (_, i) => (i % (H * W)) + 1 + 100 * Math.floor(i / (H * W)),
    );
    return new TensorDataset(
      { data: x, shape: [n, 1, H, W] },
      Int32Array.from({ length: n }, (_, i) => i % 3),
    );
  }

  it('the wrapper augments each sample by a shift in range and maybe a flip, in a reused buffer', () => {
    const ds = images(12);
    const aug = augmented(ds, { shift: 1, flip: true, seed: 3 });
    expect(aug.length).toBe(12);
    expect(aug.inputShape).toEqual([1, H, W]);
    expect(aug.numClasses).toBe(3);
    const plain = [...ds.batches({ batchSize: 5 })].map((b) => b.x.data.slice());
    const seenFlip = new Set<boolean>();
    const seenShift = new Set<string>();
    const bufs = new Set<ArrayBufferLike>();
    let bi = 0;
    for (const b of aug.batches({ batchSize: 5, seed: 0 })) {
      bufs.add(b.x.data.buffer);
      expect(b.x.data.buffer).not.toBe(ds.x.data.buffer);
      for (let i = 0; i < b.size; i++) {
        const src = plain[bi].subarray(i * H * W, (i + 1) * H * W);
        const got = b.x.data.subarray(i * H * W, (i + 1) * H * W);
        const tmpOut = new Float32Array(H * W);
        let match: string | null = null;
        for (const flip of [false, true])
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              shiftFlip(src, tmpOut, 1, H, W, dx, dy, flip);
              if (!match && tmpOut.every((v, k) => v === got[k])) {
                match = `${dx},${dy}`;
                seenFlip.add(flip);
              }
            }
        expect(match).not.toBeNull();
        seenShift.add(match!);
      }
      bi++;
    }
    expect(bufs.size).toBe(1);
    expect(seenFlip.size).toBe(2);
    expect(seenShift.size).toBeGreaterThan(3);
  });

  it('is seeded: same seeds give the same batches on both backends, each epoch differs', () => {
    const ds = images(16);
    const run = (seed: number) =>
      [
        ...augmented(ds, { shift: 2, flip: true, seed: 11 }).batches({
          batchSize: 6,
          shuffle: true,
          seed,
        }),
      ].map((b) => b.x.data.slice());
    const per = BACKENDS.map((name) => {
      setBackend(name);
      return run(4);
    });
    expect(per[1]).toEqual(per[0]);
    expect(run(4)).toEqual(per[0]);
    expect(run(5)).not.toEqual(per[0]);
    // nothing to do: identity
    const id = augmented(ds, {});
    const [b] = id.batches({ batchSize: 16 });
    expect(b.x.data).toEqual(ds.x.data);
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
    expect(() => augmented(indexed(4), { shift: 1 })).toThrow(
      /images \[C, H, W\] or \[H, W\], got per-sample shape \[2\]/,
    );
    expect(() => augmented(ds, { shift: -1 })).toThrow(/shift must be a non-negative integer/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('Fashion-MNIST', () => {
  const savedEnv = process.env[FASHION_MNIST_ENV];
  beforeAll(() => {
    delete process.env[FASHION_MNIST_ENV];
  });
  afterAll(() => {
    if (savedEnv !== undefined) process.env[FASHION_MNIST_ENV] = savedEnv;
  });
  const debian = (() => {
    try {
      return readdirSync(FASHION_MNIST_DEBIAN_DIR).filter((f) => f.endsWith('.gz')).length === 4;
    } catch {
      return false;
    }
  })();

  function histogram(y: Int32Array): number[] {
    const h = new Array(10).fill(0);
    for (const v of y) h[v]++;
    return h;
  }

  it('class names', () => {
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[0]).toBe('T-shirt/top');
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
  });

  it('loads the full data from the Debian package (60,000 / 10,000, 6,000 per class)', () => {
    const fm = loadFashionMnist();
    if (!debian) {
      // Without the package (apt-get unavailable), the loader must fall back to the subset.
      console.warn(
        `Fashion-MNIST: ${FASHION_MNIST_DEBIAN_DIR} is not installed; checked the fallback to the bundled subset instead`,
      );
      expect(fm.source).toBe('bundled');
      return;
    }
    expect(fm.source).toBe('debian');
    expect(fm.path).toBe(FASHION_MNIST_DEBIAN_DIR);
    expect(fm.train.length).toBe(60000);
    expect(fm.test.length).toBe(10000);
    expect(fm.train.inputShape).toEqual([1, 28, 28]);
    expect(fm.train.numClasses).toBe(10);
    expect(histogram(fm.train.y as Int32Array)).toEqual(new Array(10).fill(6000));
    expect(histogram(fm.test.y as Int32Array)).toEqual(new Array(10).fill(1000));
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of fm.train.x.data) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    expect([min, max]).toEqual([0, 1]);
    // the well-known training mean of Fashion-MNIST pixels (0.2860)
    expect(sum / fm.train.x.data.length).toBeCloseTo(0.286, 3);
    // first training label of the original distribution is 9 (Ankle boot)
    expect((fm.train.y as Int32Array)[0]).toBe(9);

    // the bundled subset is exactly its documented rule applied to this data
    const sub = loadFashionMnist({ subset: true });
    for (const [full, part, per] of [
      [fm.train, sub.train, 600],
      [fm.test, sub.test, 100],
    ] as const) {
      const counts = new Array(10).fill(0);
      let k = 0;
      const fy = full.y as Int32Array;
      for (let i = 0; i < full.length && k < part.length; i++) {
        if (counts[fy[i]] >= per) continue;
        counts[fy[i]]++;
        expect((part.y as Int32Array)[k]).toBe(fy[i]);
        expect(sameBits(part.get(k).x, full.get(i).x)).toBe(true);
        k++;
      }
      expect(k).toBe(part.length);
    }
  });

  it('loads the bundled subset when forced via dir (6,000 / 1,000, class-balanced)', () => {
    const fm = loadFashionMnist({ dir: FASHION_MNIST_BUNDLED_DIR });
    expect(fm.source).toBe('dir');
    expect(fm.train.length).toBe(6000);
    expect(fm.test.length).toBe(1000);
    expect(histogram(fm.train.y as Int32Array)).toEqual(new Array(10).fill(600));
    expect(histogram(fm.test.y as Int32Array)).toEqual(new Array(10).fill(100));
    expect(fm.train.x.shape).toEqual([6000, 1, 28, 28]);
    expect(Math.max(...fm.test.x.data.subarray(0, 784))).toBeLessThanOrEqual(1);
    expect(loadFashionMnist({ subset: true }).source).toBe('bundled');
    const flat = loadFashionMnist({ dir: FASHION_MNIST_BUNDLED_DIR, flatten: true });
    expect(flat.train.inputShape).toEqual([784]);
    expect(sameBits(flat.train.x.data, fm.train.x.data)).toBe(true);
    const norm = loadFashionMnist({ subset: true, normalize: true });
    expect(norm.normalization!.mean).toBeGreaterThan(0.2);
    const st = computeStats(norm.train, { perChannel: false });
    expect(st.mean[0]).toBeCloseTo(0, 5);
    expect(st.std[0]).toBeCloseTo(1, 5);
  });

  it('the environment variable is honoured, and missing data names the path and how to get it', () => {
    process.env[FASHION_MNIST_ENV] = FASHION_MNIST_BUNDLED_DIR;
    try {
      const fm = loadFashionMnist();
      expect(fm.source).toBe('env');
      expect(fm.train.length).toBe(6000);
      process.env[FASHION_MNIST_ENV] = join(tmp, 'no-such-dir');
      expect(() => loadFashionMnist()).toThrow(/no-such-dir \(given by DESCENT_FASHION_MNIST\)/);
    } finally {
      delete process.env[FASHION_MNIST_ENV];
    }
    const empty = mkdtempSync(join(tmp, 'fm-'));
    let msg = '';
    try {
      loadFashionMnist({ dir: empty });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(`Fashion-MNIST not found in ${empty}`);
    expect(msg).toContain('train-images-idx3-ubyte[.gz]');
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('--data DIR');
  });
});
