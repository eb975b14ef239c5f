/**
 * Image grids as PNG files, for the reports' pictures of samples and reconstructions: images
 * (grey-scale or RGB, values in a given range) tiled in rows and columns with a gap, each
 * pixel scaled up, encoded as an 8-bit PNG (RFC 2083: signature, IHDR, one zlib-compressed
 * IDAT of filter-0 scanlines, IEND) with node:zlib. No dependency beyond Node.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface GridOptions {
  /** Number of images in `data` (each `channels × height × width`, CHW order). */
  count: number;
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB); default 1. */
  channels?: 1 | 3;
  /** Images per row (default ⌈√count⌉). */
  columns?: number;
  /** Each pixel drawn as scale × scale (default 2). */
  scale?: number;
  /** Values mapped to black and white (default [0, 1]); outside it they are clipped. */
  range?: readonly [number, number];
  /** Pixels between images, drawn in `gapValue` (default 2, white). */
  gap?: number;
}

/** The PNG of `data`'s images in a grid. */
export function imageGrid(data: ArrayLike<number>, o: GridOptions): Uint8Array {
  const fn = 'imageGrid';
  const c = o.channels ?? 1;
  const { count, height: h, width: w } = o;
  for (const [k, v] of Object.entries({ count, height: h, width: w }))
    if (!Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`${fn}: ${k} must be a positive integer, got ${v}`);
  if (data.length !== count * c * h * w)
    throw new RangeError(
      `${fn}: data has ${data.length} values, ${count} images of ${c}×${h}×${w} need ${count * c * h * w}`,
    );
  const cols = o.columns ?? Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const s = o.scale ?? 2;
  const gap = o.gap ?? 2;
  const [lo, hi] = o.range ?? [0, 1];
  const W = cols * w * s + (cols + 1) * gap;
  const H = rows * h * s + (rows + 1) * gap;
  const px = new Uint8Array(W * H * c).fill(255);
  for (let i = 0; i < count; i++) {
    const x0 = gap + (i % cols) * (w * s + gap);
    const y0 = gap + Math.floor(i / cols) * (h * s + gap);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const v = data[((i * c + ch) * h + y) * w + x];
          const b = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo)))) || 0;
          for (let dy = 0; dy < s; dy++)
            for (let dx = 0; dx < s; dx++)
              px[((y0 + y * s + dy) * W + x0 + x * s + dx) * c + ch] = b;
        }
  }
  return encodePng(px, W, H, c);
}

/** An 8-bit PNG of row-major pixels (1 channel grey, 3 RGB). */
export function encodePng(
  px: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Uint8Array {
  const row = width * channels;
  const raw = new Uint8Array((row + 1) * height);
  for (let y = 0; y < height; y++) raw.set(px.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grey or RGB
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)) >>> 0);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
