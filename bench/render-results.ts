/**
 * The section of docs/benchmarks.md that `pnpm bench` writes: between BEGIN and END, every benchmark of the
 * day's results file as tables (median, min, max, percentiles; then the ratios with their targets). The rest
 * of the document (methods in depth, profiles, reasons for missed targets) is written by people.
 */
import type { BenchReport } from './report.js';
import type { DayResults } from './run.js';

export const BEGIN = '<!-- pnpm bench: begin (written by bench/run.ts; edit outside these markers) -->';
export const END = '<!-- pnpm bench: end -->';

function table(header: string[], lines: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...lines.map((line) => `| ${line.join(' | ')} |`),
  ].join('\n');
}

function renderReport(name: string, report: BenchReport, args: string[], seconds: number): string {
  const percentiles = report.rows.some((r) => r.percentiles);
  const rows = table(
    ['measurement', 'path', 'unit', 'median', 'min', 'max', ...(percentiles ? ['p50 / p99'] : []), 'runs'],
    report.rows.map((r) => [
      r.measurement,
      r.path,
      r.unit,
      r.median,
      r.min,
      r.max,
      ...(percentiles ? [r.percentiles ? `${r.percentiles.p50} / ${r.percentiles.p99}` : ''] : []),
      r.values.length,
    ]),
  );
  const ratios = table(
    ['ratio (medians of the same run)', 'value', 'target', 'met'],
    report.ratios.map((r) => [
      r.name,
      r.value,
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : '**no**',
    ]),
  );
  const command = `pnpm bench ${name}${args.length > 0 ? ` (${args.join(' ')})` : ''}`;
  return [`### ${name}`, '', `\`${command}\`, ${seconds} s. ${report.method}`, '', rows, '', ratios].join(
    '\n',
  );
}

/** `document` with its marked section replaced by `day` (appended, with the markers, when it has none). */
export function renderResults(document: string, day: DayResults, file: string): string {
  const machine = day.machine as { cores?: number; cpu?: string; node?: string; load_average?: number[] };
  const section = [
    BEGIN,
    '## Latest `pnpm bench` results',
    '',
    `From \`${file}\` (${day.date}): ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load ` +
      `average ${machine.load_average?.join(' ')} when the last benchmark ended. Ratios compare medians ` +
      'taken in the same run; absolute figures move with what else runs on the machine.',
    '',
    ...Object.entries(day.benchmarks).flatMap(([name, entry]) => [
      renderReport(name, entry.report, entry.arguments, entry.seconds),
      '',
    ]),
    END,
  ].join('\n');
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin === -1 || end === -1) return `${document.trimEnd()}\n\n${section}\n`;
  return `${document.slice(0, begin)}${section}${document.slice(end + END.length)}`;
}
