import { describe, expect, it } from 'vitest';
import { parsedDifferences, shapeDifferences } from './recorded.js';

describe('comparing the simulator with recorded real answers', () => {
  const recorded = { code: '0', data: [{ ordId: '1', px: '1.5', fills: [{ fee: '0.1' }], extra: null }], ok: true };

  it('accepts an answer with the same fields and types (and more)', () => {
    expect(shapeDifferences({ code: '0', data: [{ ordId: '9', px: '2', fills: [{ fee: '0' }], extra: 3, more: 1 }], ok: false }, recorded)).toEqual([]);
  });

  it('names each missing field and each type that differs, by path', () => {
    expect(shapeDifferences({ code: 0, data: [{ px: 1.5, fills: [{}] }], ok: true }, recorded)).toEqual([
      '$.code: recorded string, simulator number',
      '$.data[0].ordId: missing',
      '$.data[0].px: recorded string, simulator number',
      '$.data[0].fills[0].fee: missing',
      // A field recorded as null must still be there; its type is free.
      '$.data[0].extra: missing',
    ]);
  });

  it('skips ignored paths', () => {
    expect(shapeDifferences({ code: '0', data: [{ px: '1', fills: [] }], ok: true }, recorded, ['$.data[0].ordId', '$.data[0].extra'])).toEqual([]);
  });

  it('reports parsed fields ccxt filled from the real answer but not from ours', () => {
    expect(parsedDifferences({ id: '1', price: null, fee: null, info: {} }, { id: '2', price: 1.5, fee: null, info: { a: 1 } })).toEqual(['price: recorded number, parsed null']);
  });
});
