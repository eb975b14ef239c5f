/**
 * The reports' PNG image grids: a valid PNG (signature, IHDR, CRCs that check, one IDAT that
 * inflates to filter-0 scanlines) whose pixels are the images' values mapped to 0–255, tiled
 * with white gaps and scaled up; bad sizes refused.
 */
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, imageGrid } from '../src/report/images.js';

/** The chunks of a PNG, each with its CRC checked. */
function chunks(png: Uint8Array): Map<string, Uint8Array> {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = new Map<string, Uint8Array>();
  for (let o = 8; o < png.length; ) {
    const n = v.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    expect(v.getUint32(o + 8 + n), `${type} CRC`).toBe(crc32(png.subarray(o + 4, o + 8 + n)) >>> 0);
    out.set(type, png.subarray(o + 8, o + 8 + n));
    o += 12 + n;
  }
  return out;
}

/** Width, height and the pixel rows (filter bytes checked and dropped). */
function decode(png: Uint8Array, channels: number) {
  const c = chunks(png);
  const ihdr = new DataView((c.get('IHDR') as Uint8Array).slice().buffer);
  const w = ihdr.getUint32(0);
  const h = ihdr.getUint32(4);
  const raw = inflateSync(c.get('IDAT') as Uint8Array);
  expect(raw.length).toBe(h * (w * channels + 1));
  const px = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    expect(raw[y * (w * channels + 1)]).toBe(0);
    px.set(
      raw.subarray(y * (w * channels + 1) + 1, (y + 1) * (w * channels + 1)),
      y * w * channels,
    );
  }
  expect(c.has('IEND')).toBe(true);
  return { w, h, px };
}

describe('imageGrid', () => {
  it('tiles grey images with gaps, scales pixels and maps the range to 0–255', () => {
    // two 2×3 images: a ramp 0…1 and a constant −1 (clipped to black with range [0, 1])
    const a = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const b = new Array(6).fill(-1);
    const png = imageGrid(Float32Array.from([...a, ...b]), {
      count: 2,
      height: 2,
      width: 3,
      columns: 2,
      scale: 2,
      gap: 1,
    });
    const { w, h, px } = decode(png, 1);
    expect(w).toBe(2 * 3 * 2 + 3);
    expect(h).toBe(2 * 2 + 2);
    const at = (x: number, y: number) => px[y * w + x];
    expect(at(0, 0)).toBe(255); // gap
    // the ramp's pixel (row 1, col 2) = 1 → 255, drawn 2×2 at x 1 + 4, y 1 + 2
    expect([at(5, 3), at(6, 3), at(5, 4), at(6, 4)]).toEqual([255, 255, 255, 255]);
    expect(at(1, 1)).toBe(0); // value 0
    expect(at(3, 1)).toBe(51); // 0.2 → 51
    expect(at(1 + 6 + 1, 1)).toBe(0); // second image, clipped −1
  });

  it('RGB and other ranges; bad sizes refused', () => {
    const png = encodePng(Uint8Array.of(255, 0, 0, 0, 0, 255), 2, 1, 3);
    expect([...decode(png, 3).px]).toEqual([255, 0, 0, 0, 0, 255]);
    const g = imageGrid(Float32Array.of(-1, 1), {
      count: 1,
      height: 1,
      width: 2,
      range: [-1, 1],
      gap: 0,
      scale: 1,
    });
    expect([...decode(g, 1).px]).toEqual([0, 255]);
    expect(() => imageGrid(new Float32Array(5), { count: 2, height: 1, width: 3 })).toThrow(
      /imageGrid: data has 5 values, 2 images of 1×1×3 need 6/,
    );
    expect(() => imageGrid(new Float32Array(0), { count: 0, height: 1, width: 3 })).toThrow(
      /imageGrid: count must be a positive integer, got 0/,
    );
  });
});
