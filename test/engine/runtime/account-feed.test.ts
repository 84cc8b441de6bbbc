import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ExchangeUnavailableError } from '../../../src/domain/errors.js';
import type { Fill } from '../../../src/domain/orders.js';
import { AccountFeed } from '../../../src/engine/runtime/account-feed.js';
import type { AccountStream, AccountUpdate } from '../../../src/exchanges/exchange.port.js';

/**
 * The order stream's bookkeeping around the socket (the round trip itself is tested against the
 * simulator in order-stream.simulator.test.ts): what arrives while the engine is busy is merged, a
 * failure backs off and resubscribes, and the stream counts as up again only once a new subscription
 * held — then the engine is told to read REST for what the gap missed.
 */

/** A stream whose next answers the test hands out one by one. */
class ScriptedStream implements AccountStream {
  readonly #answers: { resolve: (u: AccountUpdate) => void; reject: (e: unknown) => void }[] = [];
  watches = 0;
  resets = 0;

  watchAccount(): Promise<AccountUpdate> {
    this.watches++;
    return new Promise((resolve, reject) => this.#answers.push({ resolve, reject }));
  }

  async resetStreams(): Promise<void> {
    this.resets++;
  }

  push(update: AccountUpdate): void {
    this.#take().resolve(update);
  }

  fail(error: unknown): void {
    this.#take().reject(error);
  }

  #take() {
    const answer = this.#answers.shift();
    if (!answer) throw new Error('no watch is pending');
    return answer;
  }
}

const trade = (id: string): Fill => ({ tradeId: id, orderId: 'o1', clientOrderId: null, symbol: 'BTC/USDT', side: 'buy', price: '100', amount: '1', fee: '0', feeAsset: null, timestamp: 1 });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AccountFeed', () => {
  it('merges what arrives while nobody asks into one batch, in order', async () => {
    const stream = new ScriptedStream();
    const feed = new AccountFeed({ stream, clock: new ManualClock(0) });
    const first = feed.next();
    await settle();
    stream.push({ orders: [], trades: [trade('t1')] });
    expect(await first).toEqual({ orders: [], trades: [trade('t1')], resync: false });
    await settle();
    stream.push({ orders: [], trades: [trade('t2')] });
    await settle();
    stream.push({ orders: [], trades: [trade('t3')] });
    await settle();
    expect(await feed.next()).toEqual({ orders: [], trades: [trade('t2'), trade('t3')], resync: false });
    await feed.close();
  });

  it('a batch grown past its bound becomes a REST resync instead of growing', async () => {
    const stream = new ScriptedStream();
    const feed = new AccountFeed({ stream, clock: new ManualClock(0) });
    void feed.next().then(() => undefined);
    await settle();
    stream.push({ orders: [], trades: [] });
    await settle();
    stream.push({ orders: [], trades: Array.from({ length: 1_001 }, (_, i) => trade(`t${i}`)) });
    await settle();
    expect(await feed.next()).toEqual({ orders: [], trades: [], resync: true });
    await feed.close();
  });

  it('after a failure: down, reset, resubscribed after the backoff; up again once the new subscription held, with a resync', async () => {
    const stream = new ScriptedStream();
    const clock = new ManualClock(0);
    const modes: string[] = [];
    const feed = new AccountFeed({ stream, clock, backoffBaseMs: 1_000, settleMs: 5_000, onModeChange: (mode) => modes.push(mode) });
    const next = feed.next();
    await settle();
    stream.fail(new ExchangeUnavailableError('socket closed'));
    await settle();
    expect(feed.status).toMatchObject({ mode: 'poll', reconnects: 1, lastStreamError: 'socket closed' });
    expect(stream.resets).toBe(1);
    expect(stream.watches).toBe(1);
    await clock.advance(1_000);
    await settle();
    expect(stream.watches).toBe(2); // resubscribed after the backoff
    // It fails again before it held: no resync yet, the backoff doubles.
    stream.fail(new ExchangeUnavailableError('refused'));
    await settle();
    await clock.advance(1_999);
    expect(stream.watches).toBe(2);
    await clock.advance(1);
    await settle();
    expect(stream.watches).toBe(3);
    await clock.advance(5_000); // this one holds
    expect(await next).toEqual({ orders: [], trades: [], resync: true });
    expect(feed.status.mode).toBe('stream');
    expect(modes).toEqual(['poll', 'stream']);
    await feed.close();
    expect(await feed.next()).toBeNull();
  });
});
