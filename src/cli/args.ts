/**
 * Command-line parsing on `node:util` parseArgs, with errors that list the valid choices
 * (unknown flags, unknown values) instead of stack traces.
 */
import { parseArgs } from 'node:util';
import { suggest } from '../backend/validate.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }
>;

export function parse(
  command: string,
  argv: string[],
  flags: FlagSpec,
): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({
      args: joinNegativeValues(argv, flags),
      options: { ...flags, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    if (m) {
      const name = m[1].replace(/^-+/, '');
      const valid = [...Object.keys(flags), 'help'];
      const s = suggest(name, valid);
      throw new UsageError(
        `descent ${command}: unknown flag ${m[1]}${s ? ` (did you mean --${s}?)` : ''}; valid flags: ${valid.map((f) => `--${f}`).join(', ')}`,
      );
    }
    throw new UsageError(`descent ${command}: ${msg}`);
  }
}

/**
 * `--lr -0.1` → `--lr=-0.1` for string flags: parseArgs takes a value that starts with a dash
 * for a flag and refuses it as "ambiguous"; a number is never a flag here, so it is the value
 * (and then checked in our words, e.g. "--lr must be a number ≥ 0").
 */
function joinNegativeValues(argv: string[], flags: FlagSpec): string[] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(flags)) {
    if (spec.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(a) && next !== undefined && /^-(\d|\.\d|Infinity$)/.test(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A comma-separated list, each item one of `choices`. */
export function listOf(
  command: string,
  flag: string,
  value: string,
  choices: readonly string[],
): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new UsageError(
      `descent ${command}: --${flag} needs at least one value; choose from ${choices.join(', ')}`,
    );
  for (const it of items) {
    if (!choices.includes(it)) {
      const s = suggest(it, choices);
      throw new UsageError(
        `descent ${command}: unknown ${flag} ${JSON.stringify(it)}${s ? ` (did you mean ${s}?)` : ''}; valid: ${choices.join(', ')}`,
      );
    }
  }
  return items;
}

export function numberFlag(
  command: string,
  flag: string,
  value: unknown,
  o: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const v = typeof value === 'string' ? Number(value) : Number.NaN;
  const bad =
    !Number.isFinite(v) ||
    (o.integer && !Number.isInteger(v)) ||
    (o.min !== undefined && v < o.min) ||
    (o.max !== undefined && v > o.max);
  if (bad) {
    const range = `${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}`;
    throw new UsageError(
      `descent ${command}: --${flag} must be ${range}, got ${JSON.stringify(value)}`,
    );
  }
  return v;
}

/** A comma-separated list of numbers. */
export function numberList(
  command: string,
  flag: string,
  value: string,
  o: { min?: number; integer?: boolean } = {},
): number[] {
  return value.split(',').map((s) => numberFlag(command, flag, s.trim(), o));
}
