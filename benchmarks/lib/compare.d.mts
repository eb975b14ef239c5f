// Types of compare.mjs for the TypeScript tests.
export interface Figure {
  section: string;
  value: number;
  spread: number;
  unit: string;
  higherIsBetter: boolean;
  ours: boolean;
}
export interface Change {
  key: string;
  section: string;
  unit: string;
  before: number;
  after: number;
  change: number;
  spreadBefore: number;
  spreadAfter: number;
  ours: boolean;
  higherIsBetter: boolean;
}
export interface Comparison {
  rule: string;
  baselines: {
    section: string;
    file: string;
    startedAt: string;
    loadAvg: number[] | null;
  }[];
  compared: number;
  slower: Change[];
  faster: Change[];
}
export const MIN_CHANGE: number;
// biome-ignore lint/suspicious/noExplicitAny: machine descriptions are untyped JSON
export function sameMachine(a: any, b: any): boolean;
// biome-ignore lint/suspicious/noExplicitAny: a suite result is untyped JSON
export function figuresOf(res: any): Map<string, Figure>;
// biome-ignore lint/suspicious/noExplicitAny: a suite result is untyped JSON
export function compareWithPrevious(res: any, file: string | null, dir: string): Comparison;
export function comparisonLines(cmp: Comparison): string[];
