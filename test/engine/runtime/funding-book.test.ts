import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ExchangeUnavailableError } from '../../../src/domain/errors.js';
import type { FundingPayment } from '../../../src/domain/funding.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { FUNDING_POLL_MS, FundingBook } from '../../../src/engine/runtime/funding-book.js';
import { applyFill } from '../../../src/engine/runtime/fill-applier.js';
import type { Fill } from '../../../src/domain/orders.js';
import type { Market } from '../../../src/exchanges/exchange.port.js';
import { FaultyExchange, MARKET, simulated, tempStore, type TestStore } from './support.js';

const PERP: Market = { ...MARKET, symbol: 'XRP/USDT:USDT', type: 'swap' };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 7, 0);
const ENGINE = 'funding-bot';

/**
 * The exchange (a test double of the venue, never of the book): the real simulated exchange, plus a
 * funding history in which each payment becomes visible only from its `listedAt`, as exchanges post
 * a settlement a little after it. Every ask is recorded.
 */
class FundingVenue extends FaultyExchange {
  readonly history: (FundingPayment & { listedAt: number })[] = [];
  readonly asks: { since: number; until: number }[] = [];
  failNext: Error | null = null;

  constructor(readonly clock: ManualClock) {
    super(simulated());
  }

  fetchFundingPayments(params: { symbol: string; since: number; until: number }): Promise<FundingPayment[]> {
    this.asks.push({ since: params.since, until: params.until });
    const fault = this.failNext;
    this.failNext = null;
    if (fault) return Promise.reject(fault);
    const now = this.clock.now();
    return Promise.resolve(
      this.history
        .filter((p) => p.symbol === params.symbol && p.listedAt <= now && p.timestamp >= params.since && p.timestamp <= params.until)
        .map(({ listedAt: _listed, ...payment }) => payment),
    );
  }
}

function fill(side: 'buy' | 'sell', amount: string, timestamp: number): Fill {
  return { tradeId: `t-${side}-${timestamp}`, orderId: `o-${timestamp}`, clientOrderId: `c-${timestamp}`, symbol: PERP.symbol, side, price: '0.5', amount, fee: '0', feeAsset: 'USDT', timestamp };
}

describe('FundingBook', () => {
  let db: TestStore;
  let clock: ManualClock;
  let venue: FundingVenue;
  let portfolio: Portfolio;
  let emitted: Record<string, unknown>[];
  const book = () =>
    new FundingBook({ engineId: ENGINE, connectionId: 'conn', market: PERP, exchange: venue, store: db.orders, portfolio, clock, emit: (type, payload) => Promise.resolve(void emitted.push({ type, ...payload })) });

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(T0);
    venue = new FundingVenue(clock);
    portfolio = new Portfolio();
    emitted = [];
  });

  afterEach(async () => {
    await db.store.close();
  });

  it('asks only while a position is held, at most every 5 minutes, once more after the close, and never past its own clock', async () => {
    const funding = book();
    await funding.load();
    expect(await funding.pollIfDue()).toEqual([]);
    expect(venue.asks).toHaveLength(0); // flat and never held: nothing to ask

    // The fill is stamped a minute ahead of the engine's clock (an exchange clock running fast).
    applyFill(portfolio, fill('sell', '100', T0 + 60_000));
    await funding.pollIfDue();
    expect(venue.asks).toEqual([{ since: T0, until: T0 }]);
    await clock.advance(FUNDING_POLL_MS - 1);
    await funding.pollIfDue();
    expect(venue.asks).toHaveLength(1);
    await clock.advance(1);
    await funding.pollIfDue();
    expect(venue.asks).toHaveLength(2);

    applyFill(portfolio, fill('buy', '100', clock.now()));
    await clock.advance(FUNDING_POLL_MS);
    await funding.pollIfDue(); // the ask after the close books its last payment
    await clock.advance(FUNDING_POLL_MS);
    await funding.pollIfDue();
    await clock.advance(10 * FUNDING_POLL_MS);
    await funding.pollIfDue();
    expect(venue.asks).toHaveLength(3);
  });

  it('books a payment listed late, each payment once, and stored payments again after a restart without asking for them', async () => {
    applyFill(portfolio, fill('sell', '100', T0));
    const settled = T0 + HOUR; // 08:00, listed at 08:30
    venue.history.push({ id: 'f-0800', symbol: PERP.symbol, amount: '0.25', rate: '0.0001', timestamp: settled, listedAt: settled + 30 * 60_000 });
    const funding = book();
    await funding.load();
    await clock.advance(HOUR + 10 * 60_000); // 08:10: settled, not listed yet
    expect(await funding.pollIfDue()).toEqual([]);
    await clock.advance(FUNDING_POLL_MS * 5); // 08:35: the next ask starts an hour back, so it finds it
    expect((await funding.pollIfDue()).map((p) => p.id)).toEqual(['f-0800']);
    await clock.advance(FUNDING_POLL_MS);
    expect(await funding.pollIfDue()).toEqual([]); // listed again, booked once
    expect(portfolio.ledger(PERP.symbol).funding.toFixed()).toBe('0.25');
    expect(emitted).toEqual([expect.objectContaining({ type: 'funding.booked', id: 'f-0800', amount: '0.25', funding: '0.25' })]);

    // A restart: the stored payment is booked from storage; the exchange's copy is skipped by id.
    const restarted = new Portfolio();
    applyFill(restarted, fill('sell', '100', T0));
    portfolio = restarted;
    emitted = [];
    const again = book();
    await again.load();
    expect(restarted.ledger(PERP.symbol).funding.toFixed()).toBe('0.25');
    const asksBefore = venue.asks.length;
    expect(await again.pollIfDue()).toEqual([]);
    expect(venue.asks[asksBefore]?.since).toBe(settled); // from the latest booked payment on
    expect(emitted).toEqual([]);
  });

  it('leaves a failed ask to the caller and covers the same time on the next one', async () => {
    applyFill(portfolio, fill('buy', '100', T0));
    venue.history.push({ id: 'f-1', symbol: PERP.symbol, amount: '-0.1', rate: '0.0002', timestamp: T0 + HOUR, listedAt: T0 + HOUR });
    const funding = book();
    await funding.load();
    await clock.advance(2 * HOUR);
    venue.failNext = new ExchangeUnavailableError('HTTP 503');
    await expect(funding.pollIfDue()).rejects.toThrow('HTTP 503');
    // Not counted as an ask: the very next tick asks again, from the same start.
    expect((await funding.pollIfDue()).map((p) => p.amount)).toEqual(['-0.1']);
    expect(venue.asks.map((a) => a.since)).toEqual([T0, T0]);
  });
});
