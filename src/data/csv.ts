/**
 * Numeric CSV: every cell a decimal number, an optional header row, one optional label column.
 * Fields follow RFC 4180 quoting (a quoted field may hold the delimiter, newlines and doubled
 * quotes). Missing values (an empty cell, `NaN`, `NA`, `N/A`, `null`) are refused with their row
 * and column unless `allowMissing`, which stores them as NaN in the features (a missing label is
 * always refused: a sample without its target cannot be trained on).
 */

import { readFileSync } from 'node:fs';
import { describe, knownKeys, oneOf, options as optionsObject } from '../backend/validate.js';
import type { Tensor } from '../nn/tensor.js';
import { TensorDataset } from './tensor-dataset.js';

/** Options of {@link parseCsv} and {@link readCsv}. */
export interface CsvOptions {
  /** Field delimiter, one character (default `,`). */
  delimiter?: string;
  /**
   * Whether the first row is a header. `'auto'` (default): it is one when any of its cells is
   * not a number and not empty.
   */
  header?: boolean | 'auto';
  /**
   * The label column: a header name, or a 0-based index (negative counts from the end: -1 is
   * the last column). Omitted or null: no labels, every column is a feature.
   */
  label?: string | number | null;
  /**
   * What the label column holds: `'class'` indices (an Int32Array; every label must be an
   * integer in [0, 2^31)), `'float'` numbers (a Float32Array, for regression: a `price` of
   * 300, 450, 500 stays a number), or `'auto'` (default): classes when every label is such
   * an integer, else floats.
   */
  labelType?: 'auto' | 'class' | 'float';
  /** Store missing cells as NaN instead of refusing them (default false). */
  allowMissing?: boolean;
  /** Name used in error messages (default: the path, or `<csv>`). */
  name?: string;
}

/** A parsed numeric CSV: features, optional labels and column names. */
export interface CsvData {
  /** Features as [rows, cols] float32. */
  x: Tensor;
  /**
   * Labels: Int32Array for class indices, Float32Array for numbers (see `labelType`); null
   * without a label column.
   */
  y: Int32Array | Float32Array | null;
  /** Feature column names (from the header, or `c0`, `c1`, … by original column index). */
  columns: string[];
  /** The label column's name, or null. */
  labelName: string | null;
  /** Number of classes (max label + 1) for integral labels, else null. */
  numClasses: number | null;
}

const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null']);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface Row {
  cells: string[];
  line: number;
}

/** Splits CSV text into rows of raw fields (quotes removed), with each row's 1-based line. */
function tokenize(text: string, delim: string, what: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false; // inside quotes
  let wasQuoted = false; // this field was quoted (then trailing spaces only are allowed)
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  const endRow = () => {
    cells.push(field);
    // A row holding one unquoted blank field is a blank line: skipped.
    if (!(cells.length === 1 && cells[0].trim() === '' && !wasQuoted))
      rows.push({ cells, line: rowLine });
    cells = [];
    field = '';
    wasQuoted = false;
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field.trim() !== '' || wasQuoted) {
        throw new Error(
          `CSV ${what}: line ${line}: a quote inside an unquoted field (quote the whole field and double inner quotes)`,
        );
      }
      field = '';
      quoted = true;
      wasQuoted = true;
      i++;
      continue;
    }
    if (c === delim) {
      cells.push(field);
      field = '';
      wasQuoted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      rowLine = line;
      continue;
    }
    if (wasQuoted && c !== ' ' && c !== '\t') {
      throw new Error(`CSV ${what}: line ${line}: text after a closing quote`);
    }
    if (!wasQuoted) field += c;
    i++;
  }
  if (quoted) throw new Error(`CSV ${what}: quote opened on or before line ${line} never closed`);
  if (field !== '' || cells.length > 0 || wasQuoted) endRow();
  return rows;
}

function isNumber(s: string): boolean {
  return NUMBER.test(s.trim());
}

/** Parses numeric CSV text. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  checkOptions('parseCsv', options);
  const what = options.name ?? '<csv>';
  if (typeof text !== 'string')
    throw new TypeError(`parseCsv: text must be a string, got ${typeof text}`);
  const labelType = options.labelType ?? 'auto';
  const delim = options.delimiter ?? ',';
  if (typeof delim !== 'string' || delim.length !== 1 || delim === '"' || /[\r\n]/.test(delim)) {
    throw new TypeError(
      `CSV ${what}: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delim)}`,
    );
  }
  const rows = tokenize(text, delim, what);
  if (rows.length === 0) throw new Error(`CSV ${what}: no rows`);
  const headerOpt = options.header ?? 'auto';
  const hasHeader =
    headerOpt === 'auto'
      ? rows[0].cells.some((c) => !isNumber(c) && !MISSING.has(c.trim().toLowerCase()))
      : headerOpt;
  const width = rows[0].cells.length;
  const names = hasHeader ? rows[0].cells.map((c) => c.trim()) : null;
  const body = hasHeader ? rows.slice(1) : rows;

  // Label column.
  let labelCol = -1;
  const label = options.label ?? null;
  if (typeof label === 'string') {
    if (!names) {
      throw new Error(
        `CSV ${what}: label column ${JSON.stringify(label)} given by name, but the file has no header row (give a column index instead)`,
      );
    }
    labelCol = names.indexOf(label);
    if (labelCol < 0) {
      throw new Error(
        `CSV ${what}: no column named ${JSON.stringify(label)} (columns: ${names.map((s) => JSON.stringify(s)).join(', ')})`,
      );
    }
  } else if (typeof label === 'number') {
    if (!Number.isInteger(label) || label >= width || label < -width) {
      throw new RangeError(
        `CSV ${what}: label column index ${label} is out of range for ${width} columns`,
      );
    }
    labelCol = label < 0 ? width + label : label;
  } else if (label !== null) {
    throw new TypeError(`CSV ${what}: label must be a column name, an index or null`);
  }

  const colName = (j: number) => (names ? names[j] : `c${j}`);
  const cols = labelCol < 0 ? width : width - 1;
  const rowsN = body.length;
  const x = new Float32Array(rowsN * cols);
  const yRaw = labelCol < 0 ? null : new Float64Array(rowsN);
  const allowMissing = options.allowMissing ?? false;
  const where = (r: number, j: number) =>
    `row ${r + 1} (line ${body[r].line}), column ${j + 1} (${JSON.stringify(colName(j))})`;

  for (let r = 0; r < rowsN; r++) {
    const cells = body[r].cells;
    if (cells.length !== width) {
      throw new Error(
        `CSV ${what}: row ${r + 1} (line ${body[r].line}) has ${cells.length} fields, expected ${width}`,
      );
    }
    let k = r * cols;
    for (let j = 0; j < width; j++) {
      const s = cells[j].trim();
      let v: number;
      if (MISSING.has(s.toLowerCase())) {
        if (j === labelCol)
          throw new Error(`CSV ${what}: missing label at ${where(r, j)}: ${JSON.stringify(s)}`);
        if (!allowMissing) {
          throw new Error(
            `CSV ${what}: missing value at ${where(r, j)}: ${JSON.stringify(s)} (pass allowMissing to keep it as NaN)`,
          );
        }
        v = Number.NaN;
      } else if (NUMBER.test(s)) {
        v = Number(s);
        if (!Number.isFinite(v))
          throw new Error(`CSV ${what}: value out of range at ${where(r, j)}: ${s}`);
      } else {
        throw new Error(`CSV ${what}: not a number at ${where(r, j)}: ${JSON.stringify(s)}`);
      }
      if (j === labelCol) yRaw![r] = v;
      else x[k++] = v;
    }
  }

  let y: Int32Array | Float32Array | null = null;
  let numClasses: number | null = null;
  if (yRaw) {
    let integral = labelType !== 'float';
    let max = -1;
    for (let r = 0; r < rowsN && integral; r++) {
      const v = yRaw[r];
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
        if (labelType === 'class')
          throw new RangeError(
            `CSV ${what}: label ${v} at ${where(r, labelCol)} is not a class index (labelType 'class' needs integers in [0, 2^31)); for numeric targets pass labelType: 'float'`,
          );
        integral = false;
      }
      if (v > max) max = v;
    }
    if (integral) {
      y = Int32Array.from(yRaw);
      numClasses = max + 1;
    } else {
      y = Float32Array.from(yRaw);
    }
  }
  const columns: string[] = [];
  for (let j = 0; j < width; j++) if (j !== labelCol) columns.push(colName(j));
  return {
    x: { data: x, shape: [rowsN, cols] },
    y,
    columns,
    labelName: labelCol < 0 ? null : colName(labelCol),
    numClasses,
  };
}

const KEYS = ['delimiter', 'header', 'label', 'labelType', 'allowMissing', 'name'];

function checkOptions(fn: string, options: CsvOptions): void {
  optionsObject(fn, 'options', options);
  knownKeys(fn, 'option', options, KEYS);
  if (options.labelType !== undefined)
    oneOf(fn, 'option labelType', options.labelType, ['auto', 'class', 'float']);
}

/** Reads and parses a numeric CSV file (UTF-8). */
export function readCsv(path: string, options: CsvOptions = {}): CsvData {
  checkOptions('readCsv', options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`CSV ${path}: cannot read: ${(e as Error).message}`);
  }
  return parseCsv(text, { ...options, name: options.name ?? path });
}

/**
 * A TensorDataset from parsed CSV: class labels (Int32Array) become class targets, float labels
 * a dense [rows, 1] target. Without labels it is an error (a dataset needs targets).
 */
export function csvDataset(csv: CsvData, options: { numClasses?: number } = {}): TensorDataset {
  optionsObject('csvDataset', 'options', options);
  knownKeys('csvDataset', 'option', options, ['numClasses']);
  if (!csv || typeof csv !== 'object' || !csv.x)
    throw new TypeError(
      `csvDataset: csv must be what parseCsv/readCsv return, got ${describe(csv)}`,
    );
  if (!csv.y)
    throw new Error(
      'csvDataset: csv has no label column (read it with the `label` option of parseCsv/readCsv)',
    );
  if (csv.y instanceof Int32Array)
    return new TensorDataset(csv.x, csv.y, { numClasses: options.numClasses ?? csv.numClasses! });
  return new TensorDataset(csv.x, { data: csv.y, shape: [csv.y.length, 1] });
}
