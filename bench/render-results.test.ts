import { describe, expect, it } from 'vitest';
import { BEGIN, END, renderResults } from './render-results.js';
import { ratio, row } from './report.js';
import { checkReport, type DayResults } from './run.js';

const rows = [row('bulk', 'direct', 'Gbit/s', [10, 12, 11]), row('bulk', 'border0', 'Gbit/s', [5, 6, 4])];
const day: DayResults = {
  date: '2026-12-06',
  machine: { cores: 2, cpu: 'test cpu', node: 'v20', load_average: [1, 2, 3] },
  benchmarks: {
    tcp: {
      report: {
        benchmark: 'tcp',
        method: 'the method.',
        rows,
        ratios: [ratio(rows, 'bulk', 'border0', 'direct', '≥ 1.0')],
      },
      arguments: ['--runs', '3'],
      started: '2026-12-06T00:00:00Z',
      seconds: 42,
    },
  },
};

describe('the results section of docs/benchmarks.md', () => {
  it('replaces only what lies between the markers', () => {
    const before = `# Benchmarks\n\nwritten by people\n\n${BEGIN}\nold figures\n${END}\n\n## After\n`;
    const after = renderResults(before, day, 'bench/results/2026-12-06.json');
    expect(after.startsWith('# Benchmarks\n\nwritten by people\n\n')).toBe(true);
    expect(after.endsWith(`${END}\n\n## After\n`)).toBe(true);
    expect(after).not.toContain('old figures');
    expect(after).toContain('| bulk | border0 | Gbit/s | 5 | 4 | 6 | 3 |');
    expect(after).toContain('| bulk: border0 / direct | 0.455 | ≥ 1.0 | **no** |');
    // Rendering twice gives the same document.
    expect(renderResults(after, day, 'bench/results/2026-12-06.json')).toBe(after);
  });

  it('appends the section to a document without markers', () => {
    const after = renderResults('# Benchmarks\n', day, 'x.json');
    expect(after.indexOf(BEGIN)).toBeGreaterThan(0);
    expect(after.trimEnd().endsWith(END)).toBe(true);
  });
});

describe('checkReport', () => {
  it('finds a measurement that measured nothing', () => {
    const empty = { ...rows[0]!, values: [Number.NaN], median: Number.NaN };
    const report = { benchmark: 'tcp', method: '', rows: [empty], ratios: [] };
    expect(checkReport('tcp', report)).toEqual(['tcp: bulk through direct measured nothing (NaN)']);
    expect(checkReport('tcp', day.benchmarks.tcp!.report)).toEqual([]);
  });
});
