/**
 * What every benchmark reports to `pnpm bench` (bench/run.ts): rows of measurements (every run's value, with
 * median, min and max) and ratios between paths of the same run, on one line of standard output after
 * RESULT_MARKER. Figures are never asserted: the smoke run (`--smoke`) only checks that each one was taken.
 */
import { median } from './stats.js';

export const RESULT_MARKER = 'BENCH-RESULT ';

export interface Row {
  /** What was measured, e.g. "bulk upload" or "first byte". */
  measurement: string;
  /** The way it went, e.g. "direct", "ssh -L", "border0". */
  path: string;
  unit: string;
  /** Every run's value (or every sample, for latencies). */
  values: number[];
  median: number;
  min: number;
  max: number;
  /** Percentiles where the values are samples (latencies), e.g. { p99: 3.1 }. */
  percentiles?: Record<string, number>;
}

export interface Ratio {
  /** e.g. "bulk upload: border0 / ssh -L". */
  name: string;
  value: number;
  /** The target, in words: "≥ 1.0". */
  target?: string;
  met?: boolean;
}

export interface BenchReport {
  benchmark: string;
  /** One paragraph: what ran, how (sizes, durations, runs). */
  method: string;
  rows: Row[];
  ratios: Ratio[];
  /** Anything else the benchmark measured (CPU per GB, profiles), as it gives it. */
  extra?: Record<string, unknown>;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function row(
  measurement: string,
  path: string,
  unit: string,
  values: number[],
  percentiles: number[] = [],
): Row {
  if (values.length === 0) throw new Error(`${measurement} through ${path}: nothing was measured`);
  const sorted = [...values].sort((a, b) => a - b);
  const digits = sorted[0]! < 10 ? 3 : 1;
  const result: Row = {
    measurement,
    path,
    unit,
    values: values.map((value) => round(value, digits)),
    median: round(median(values), digits),
    min: round(sorted[0]!, digits),
    max: round(sorted.at(-1)!, digits),
  };
  if (percentiles.length > 0) {
    result.percentiles = Object.fromEntries(
      percentiles.map((p) => [
        `p${Math.round(p * 100)}`,
        round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!, digits),
      ]),
    );
  }
  return result;
}

/**
 * The ratio of two rows' medians (`numerator / denominator`); `target` as "≥ 0.8" or "≤ 1.3" is checked.
 */
export function ratio(
  rows: Row[],
  measurement: string,
  numerator: string,
  denominator: string,
  target?: string,
  statistic: 'median' | `p${number}` = 'median',
): Ratio {
  const pick = (path: string) => {
    const found = rows.find((r) => r.measurement === measurement && r.path === path);
    if (!found) throw new Error(`no ${measurement} through ${path}`);
    return statistic === 'median' ? found.median : found.percentiles![statistic]!;
  };
  const value = round(pick(numerator) / pick(denominator), 3);
  const label = statistic === 'median' ? '' : ` ${statistic}`;
  const result: Ratio = { name: `${measurement}${label}: ${numerator} / ${denominator}`, value };
  if (target) {
    const [, sign, bound] = /^([≥≤])\s*([\d.]+)$/.exec(target) ?? [];
    if (!sign) throw new Error(`a target reads "≥ 1.0" or "≤ 1.3", not ${target}`);
    result.target = target;
    result.met = sign === '≥' ? value >= Number(bound) : value <= Number(bound);
  }
  return result;
}

/** Prints the report for bench/run.ts (one line), after whatever the benchmark printed for people. */
export function emit(report: BenchReport): void {
  console.log(`\n${RESULT_MARKER}${JSON.stringify(report)}`);
}

/** `--name N`: a positive integer, or `fallback`. */
export function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/**
 * `--profile DIR`: node arguments that make border0's processes write CPU profiles there when they exit
 * (SIGTERM, the end of a benchmark, is turned into a normal exit so that the profile is written).
 */
export function profileArgs(): string[] {
  const at = process.argv.indexOf('--profile');
  if (at === -1) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${process.argv[at + 1]}`,
    "--import=data:text/javascript,process.once('SIGTERM',()=>process.exit(0))",
  ];
}
