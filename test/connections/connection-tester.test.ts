import { describe, expect, it } from 'vitest';
import { testConnection } from '../../src/connections/connection-tester.js';
import { ManualClock } from '../../src/domain/clock.js';
import { AuthenticationFailedError, ExchangeUnavailableError } from '../../src/domain/errors.js';
import { ClockSkewError } from '../../src/exchanges/ccxt/error-translation.js';
import { fakeExchange } from './fake-exchange.js';

describe('testConnection', () => {
  it('runs every step with timings and counts non-zero balances', async () => {
    const result = await testConnection(fakeExchange(), { simulated: false });
    expect(result.outcome).toBe('ok');
    expect(result.summary).toBe('ok');
    expect(result.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['reachability', 'ok'],
      ['clock', 'ok'],
      ['authentication', 'ok'],
      ['permissions', 'ok'],
      ['balances', 'ok'],
    ]);
    expect(result.steps[4]?.details).toEqual({ assets: 1 });
    expect(result.steps.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('says so for simulated (paper/replay) exchanges', async () => {
    const result = await testConnection(fakeExchange(), { simulated: true });
    expect(result.simulated).toBe(true);
    expect(result.summary).toBe('ok (simulated exchange)');
  });

  it('warns on clock skew over 1 s, in either direction', async () => {
    const ahead = await testConnection(fakeExchange({ fetchServerTime: async () => Date.now() + 3_000 }), { simulated: false });
    expect(ahead.steps[1]).toMatchObject({ name: 'clock', outcome: 'warning' });
    expect(ahead.outcome).toBe('warning');
    const behind = await testConnection(fakeExchange({ fetchServerTime: async () => Date.now() - 3_000 }), { simulated: false });
    expect(behind.summary).toBe('clock skew');
  });

  it('fails authentication with a clear message and skips the rest', async () => {
    const result = await testConnection(fakeExchange({ fetchBalances: () => Promise.reject(new AuthenticationFailedError('x')) }), { simulated: false });
    expect(result.summary).toBe('authentication failed');
    expect(result.steps[2]?.message).toMatch(/^Authentication failed/);
    expect(result.steps.slice(3).map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
  });

  it('names a rejected timestamp as clock skew, not bad credentials', async () => {
    const result = await testConnection(fakeExchange({ fetchBalances: () => Promise.reject(new ClockSkewError('x')) }), { simulated: false });
    expect(result.summary).toBe('clock skew');
  });

  it('warns when withdrawals are enabled and fails when trading is not', async () => {
    const withdraw = await testConnection(fakeExchange({ permissions: { canTrade: true, canWithdraw: true, ipRestricted: false } }), { simulated: false });
    expect(withdraw.steps[3]).toMatchObject({ outcome: 'warning', message: 'Withdrawal is enabled on this key: create a trade-only key with withdrawals disabled.' });
    expect(withdraw.summary).toBe('withdrawal enabled');
    const noTrade = await testConnection(fakeExchange({ permissions: { canTrade: false, canWithdraw: false, ipRestricted: true } }), { simulated: false });
    expect(noTrade.outcome).toBe('failed');
    expect(noTrade.summary).toBe('trading not allowed');
  });

  it('skips permissions the exchange does not report', async () => {
    const result = await testConnection(fakeExchange({ permissions: null }), { simulated: false });
    expect(result.steps[3]?.outcome).toBe('skipped');
    expect(result.outcome).toBe('ok');
  });

  it('reports unreachable for an exchange fault', async () => {
    const result = await testConnection(fakeExchange({ fetchServerTime: () => Promise.reject(new ExchangeUnavailableError('x is down')) }), { simulated: false });
    expect(result.summary).toBe('unreachable');
    expect(result.steps[0]?.details).toMatchObject({ code: 'exchange_unavailable' });
  });

  it('never throws for non-CtsError faults and does not echo their text', async () => {
    const result = await testConnection(fakeExchange({ fetchServerTime: () => Promise.reject(new Error('https://x/?signature=secret')) }), { simulated: false });
    expect(result.outcome).toBe('failed');
    expect(JSON.stringify(result)).not.toContain('signature');
  });

  it('answers "unreachable" at the overall timeout when the exchange never answers (injected clock)', async () => {
    const clock = new ManualClock(1_000_000);
    const pending = testConnection(fakeExchange({ fetchServerTime: () => new Promise<number>(() => undefined) }), { simulated: false, timeoutMs: 10_000, clock });
    await clock.advance(10_000);
    const result = await pending;
    expect(result.summary).toBe('unreachable');
    expect(result.durationMs).toBe(10_000);
    expect(result.steps[0]?.details).toEqual({ code: 'timeout' });
  });
});
