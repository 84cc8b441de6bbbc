import { describe, expect, it } from 'vitest';
import { mergeRows, render } from '../../bench/run.js';

/** `BENCH_SUITES=… npm run bench` rewrites only the groups that ran in docs/benchmarks.md. */

const PREVIOUS = [
  '# Benchmarks',
  '',
  'Machine: 2 × CPU. Run: 2026-11-24T11:08:36.488Z.',
  '',
  '| group | measure | value | target | met |',
  '|---|---|---|---|---|',
  '| api | start to serving | 776 ms | < 1000 ms | yes |',
  '| engine | tick-to-order (replay, 100 orders) | p50 4.11 ms |  |  |',
  '| memory | RSS after start | 128.0 MB |  |  |',
  '| engine | a stray later engine row | 1 |  |  |',
  '',
  'Text after the table.',
].join('\n');

describe('bench/run.ts with BENCH_SUITES', () => {
  it('keeps the rows of groups that did not run, replaces a group that ran where it stood, appends a new group', () => {
    const lines = mergeRows(
      [
        { group: 'engine', name: 'tick-to-order (replay, 90 orders)', value: 'p50 3.00 ms' },
        { group: 'streaming', name: 'close → strategy', value: '5 ms', note: 'stream' },
        { group: 'engine', name: 'second engine row', value: '2', target: '< 3', met: true },
      ],
      PREVIOUS,
    );
    expect(lines).toEqual([
      '| api | start to serving | 776 ms | < 1000 ms | yes |',
      '| engine | tick-to-order (replay, 90 orders) | p50 3.00 ms |  |  |',
      '| engine | second engine row | 2 | < 3 | yes |',
      '| memory | RSS after start | 128.0 MB |  |  |',
      '| streaming | close → strategy (stream) | 5 ms |  |  |',
    ]);
  });

  it('says which suites ran and when the kept rows were measured, carried over further filtered runs', () => {
    const once = render([{ group: 'streaming', name: 'x', value: '1' }], 'streaming', PREVIOUS);
    expect(once).toContain('BENCH_SUITES=streaming: only those suites ran; the other rows are from the run of 2026-11-24T11:08:36.488Z on 2 × CPU).');
    expect(once).toContain('| api | start to serving | 776 ms | < 1000 ms | yes |');
    const twice = render([{ group: 'engine', name: 'y', value: '2' }], 'engine', once);
    expect(twice).toContain('BENCH_SUITES=engine: only those suites ran; the other rows are from the run of 2026-11-24T11:08:36.488Z on 2 × CPU).');
    expect(twice).toContain('| streaming | x | 1 |  |  |');
    expect(twice).toContain('| engine | y | 2 |  |  |');
    expect(twice).not.toContain('tick-to-order');
    const full = render([{ group: 'engine', name: 'y', value: '2' }], null, once);
    expect(full).not.toContain('| streaming |');
    expect(full).not.toContain('only those suites ran');
  });
});
