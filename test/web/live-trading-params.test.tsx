// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldDoc } from '../../web/src/api/engine-types';
import { fixed, formatDecimal, signed } from '../../web/src/features/live-trading/format';
import { ParamFields } from '../../web/src/features/live-trading/ParamFields';
import {
  boundsText,
  groupErrors,
  initialValues,
  kindOf,
  paramLabel,
  toPayload,
  validateParam,
  validateParams,
} from '../../web/src/features/live-trading/param-form';
import { DCA, SMA } from './live-trading-fixtures';
import { RISK_DOCS } from './support';

afterEach(cleanup);

const doc = (d: Partial<FieldDoc> & Pick<FieldDoc, 'name' | 'type'>): FieldDoc => ({ description: '', ...d });

describe('param form model', () => {
  it('derives the input kind from the doc', () => {
    expect(kindOf(doc({ name: 'a', type: 'integer' }))).toBe('integer');
    expect(kindOf(doc({ name: 'a', type: 'number' }))).toBe('number');
    expect(kindOf(doc({ name: 'a', type: 'string', default: '100' }))).toBe('decimal');
    expect(kindOf(doc({ name: 'a', type: 'string' }))).toBe('decimal');
    expect(kindOf(doc({ name: 'a', type: 'string', default: 'hello' }))).toBe('text');
    expect(kindOf(doc({ name: 'a', type: 'boolean', default: false }))).toBe('boolean');
    expect(kindOf(doc({ name: 'a', type: 'string', enum: ['x', 'y'] }))).toBe('enum');
  });

  it('labels and describes bounds and defaults', () => {
    expect(paramLabel('sizeQuote')).toBe('Size quote');
    expect(paramLabel('stopLossPct')).toBe('Stop loss %');
    expect(boundsText(SMA.params[0] as FieldDoc)).toBe('1 to 1000, default 10');
    expect(boundsText(DCA.params[2] as FieldDoc)).toBe('at most 1000, optional');
    expect(boundsText(RISK_DOCS[2] as FieldDoc)).toBe('above 0 to 100 (exclusive), optional');
  });

  it('starts from the defaults, empty where there is none', () => {
    expect(initialValues(SMA.params)).toEqual({ fast: '10', slow: '30', sizeQuote: '100' });
    expect(initialValues(DCA.params)).toEqual({ intervalCandles: '24', amountQuote: '10', takeProfitPct: '' });
    expect(initialValues(RISK_DOCS)).toMatchObject({ maxOpenOrders: '10', allowShort: 'false', stopLossPct: '' });
  });

  it('validates type, bounds and required values', () => {
    const fast = SMA.params[0] as FieldDoc;
    expect(validateParam(fast, '10')).toBeUndefined();
    expect(validateParam(fast, '0')).toBe('Fast must be at least 1.');
    expect(validateParam(fast, '1001')).toBe('Fast must be at most 1000.');
    expect(validateParam(fast, '2.5')).toBe('Fast must be a whole number.');
    expect(validateParam(fast, '')).toBe('Fast is required.');
    const size = SMA.params[2] as FieldDoc;
    expect(validateParam(size, '0.5')).toBeUndefined();
    expect(validateParam(size, '1e3')).toBe('Size quote must be a plain decimal such as "100" or "0.5".');
    expect(validateParam(size, '01')).toBe('Size quote must be a plain decimal such as "100" or "0.5".');
    const takeProfit = DCA.params[2] as FieldDoc;
    expect(validateParam(takeProfit, '')).toBeUndefined(); // optional
    expect(validateParam(takeProfit, 'abc')).toBe('Take profit % must be a number.');
    const stopLoss = RISK_DOCS[2] as FieldDoc;
    expect(validateParam(stopLoss, '0')).toBe('Stop loss % must be greater than 0.');
    expect(validateParam(stopLoss, '100')).toBe('Stop loss % must be less than 100.');
    expect(validateParam(doc({ name: 'side', type: 'string', enum: ['long', 'short'], default: 'long' }), 'up')).toBe('Side must be one of long, short.');
    expect(validateParams(SMA.params, { fast: '0', slow: '30', sizeQuote: 'x' })).toEqual({
      fast: 'Fast must be at least 1.',
      sizeQuote: 'Size quote must be a plain decimal such as "100" or "0.5".',
    });
  });

  it('builds the payload: numbers as numbers, decimals as strings, empty optionals left out', () => {
    expect(toPayload(SMA.params, { fast: '5', slow: '20', sizeQuote: '250.50' })).toEqual({ fast: 5, slow: 20, sizeQuote: '250.50' });
    expect(toPayload(DCA.params, { intervalCandles: '12', amountQuote: '10', takeProfitPct: '' })).toEqual({ intervalCandles: 12, amountQuote: '10' });
    expect(toPayload(RISK_DOCS, { ...initialValues(RISK_DOCS), dailyLossLimit: '50' })).toEqual({ maxOpenOrders: 10, dailyLossLimit: '50', allowShort: false });
  });

  it("maps the server's field errors onto a group", () => {
    const errors = [
      { path: 'params.fast', message: 'fast must be shorter than slow' },
      { path: 'risk.stopLossPct', message: 'too big' },
      { path: 'symbol', message: 'unknown market' },
    ];
    expect(groupErrors(errors, 'params')).toEqual({ fast: 'fast must be shorter than slow' });
    expect(groupErrors(errors, 'risk')).toEqual({ stopLossPct: 'too big' });
  });
});

function Harness({ docs }: { docs: readonly FieldDoc[] }) {
  const [values, setValues] = useState(() => initialValues(docs));
  return <ParamFields idPrefix="p" docs={docs} values={values} errors={validateParams(docs, values)} onChange={(n, v) => setValues((s) => ({ ...s, [n]: v }))} />;
}

describe('ParamFields', () => {
  it('renders a labelled input per parameter with its default, bounds and description', () => {
    render(<Harness docs={[...SMA.params, ...RISK_DOCS]} />);
    const fast = screen.getByLabelText('Fast') as HTMLInputElement;
    expect(fast.type).toBe('number');
    expect(fast.value).toBe('10');
    expect(fast.min).toBe('1');
    expect(fast.max).toBe('1000');
    expect(fast.step).toBe('1');
    const size = screen.getByLabelText('Size quote') as HTMLInputElement;
    expect(size.type).toBe('text');
    expect(size.inputMode).toBe('decimal');
    expect(size.value).toBe('100');
    expect(screen.getByText('Fast period · 1 to 1000, default 10')).toBeTruthy();
    expect(fast.getAttribute('aria-describedby')).toBe('p-fast-hint');
    const allowShort = screen.getByLabelText('Allow short') as HTMLInputElement;
    expect(allowShort.type).toBe('checkbox');
    expect(allowShort.checked).toBe(false);
  });

  it('shows an error tied to its field as soon as a value is out of bounds', async () => {
    const user = userEvent.setup();
    render(<Harness docs={SMA.params} />);
    const slow = screen.getByLabelText('Slow');
    await user.clear(slow);
    await user.type(slow, '6000');
    expect(screen.getByText('Slow must be at most 5000.')).toBeTruthy();
    expect(slow.getAttribute('aria-invalid')).toBe('true');
    expect(slow.getAttribute('aria-describedby')).toBe('p-slow-hint p-slow-error');
    await user.clear(slow);
    await user.type(slow, '50');
    expect(screen.queryByText(/Slow must be/)).toBeNull();
    expect(slow.getAttribute('aria-invalid')).toBeNull();
  });

  it('renders enums as a select', () => {
    render(<Harness docs={[doc({ name: 'side', type: 'string', enum: ['long', 'short'], default: 'short' })]} />);
    const select = screen.getByLabelText('Side') as HTMLSelectElement;
    expect(select.tagName).toBe('SELECT');
    expect(select.value).toBe('short');
    expect([...select.options].map((o) => o.value)).toEqual(['long', 'short']);
  });
});

describe('decimal display', () => {
  it('rounds on the digits (half away from zero), never through a float', () => {
    expect(formatDecimal('-0.5102244', 6)).toBe('-0.510224');
    expect(formatDecimal('-0.5102245', 6)).toBe('-0.510225');
    expect(formatDecimal('0.9999999', 2)).toBe('1');
    expect(formatDecimal('99.995', 2)).toBe('100');
    expect(formatDecimal('-0.000001', 2)).toBe('0');
    expect(formatDecimal('123456789012345678.123456789', 4)).toBe('123456789012345678.1235');
    expect(formatDecimal('1.10446')).toBe('1.10446');
    expect(formatDecimal(null)).toBe('—');
    expect(signed('2.5', 2)).toBe('+2.5');
    expect(signed('-2.5', 2)).toBe('-2.5');
    expect(signed('0', 2)).toBe('0');
    expect(fixed('-1.2981', 2)).toBe('-1.30');
    expect(fixed('1000', 2)).toBe('1000.00');
    expect(signed('0.004', 2, true)).toBe('0.00');
  });
});
