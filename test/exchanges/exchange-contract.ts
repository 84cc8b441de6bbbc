import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '../../src/connections/connection-tester.js';
import { InvalidResponseError, OrderNotFoundError } from '../../src/domain/errors.js';
import { type Dec, dec, DECIMAL_PATTERN, toDecimalString, ZERO } from '../../src/domain/money.js';
import type { Exchange, Market } from '../../src/exchanges/exchange.port.js';
import type { Fill } from '../../src/domain/orders.js';

/**
 * One contract every Exchange implementation must pass (hummingbot's shared connector suite): the
 * ccxt adapter against each simulated exchange, and any fake that wants to stay honest. The harness
 * says what the backing exchange can do; cases it cannot support are skipped, never faked.
 */

export type Fault = 'neverAnswers' | 'garbage';

export interface ContractHarness {
  /** A fresh adapter; `credentials: 'wrongSecret'` signs with a secret the exchange does not know. */
  make(options?: { credentials?: 'valid' | 'wrongSecret'; timeoutMs?: number; unreachable?: boolean }): Promise<Exchange>;
  /** What the exchange reports about the key from now on. */
  setKeyPermissions(p: { trade: boolean; withdraw: boolean }): void;
  /** Skews the exchange's clock by `ms` (0 clears). */
  setClockSkew(ms: number): void;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Symbol to trade in the order cases. */
  readonly tradingSymbol: string;
  /** Client order ids the exchange received on order requests (from its request log). */
  receivedClientOrderIds(): string[];
  /** Symbol for the fill cases: enough liquidity per price step to fill a small order at once. */
  readonly fillSymbol: string;
  /** How much of `symbol` the exchange fills per price step for takers (the simulator's liquidity). */
  liquidityPerStep(symbol: string): string;
  /** Moves the exchange's prices one step: fresh liquidity, and resting orders fill as prices reach them. */
  stepPrices(steps?: number): void;
  /** The account's total (free + used) of `asset` as the exchange holds it. */
  balanceTotal(asset: string): string;
  newClientOrderId(): string;
  close(): Promise<void>;
}

export interface ContractCapabilities {
  /** The exchange reports key permissions (the withdrawal warning can be shown). */
  readonly permissions: boolean;
  /** Orders can be placed. */
  readonly trading: boolean;
  /** The asset the exchange takes a spot fee from, per side (the profile's documented default). */
  readonly feeAssets: { buy: 'base' | 'quote'; sell: 'base' | 'quote' };
}

/** A price `factor` away from the last trade, on the market's tick. */
function priceNear(last: string, factor: string, market: Market): string {
  const step = dec(market.priceStep ?? '0.00001');
  return toDecimalString(dec(last).mul(factor).div(step).floor().mul(step));
}

/** The amount worth `quote` at `price`, rounded up to the market's step. */
function amountFor(quote: Dec | string, price: string, market: Market): string {
  const step = dec(market.amountStep ?? '0.00001');
  const min = dec(market.minAmount ?? '0');
  const amount = dec(quote).div(price).div(step).ceil().mul(step);
  return toDecimalString(amount.lt(min) ? min : amount);
}

function sumOf(fills: readonly Fill[], field: 'amount' | 'fee'): Dec {
  return fills.reduce((acc, f) => acc.add(f[field]), ZERO);
}

export function describeExchangeContract(name: string, capabilities: ContractCapabilities, factory: () => Promise<ContractHarness>): void {
  describe(`Exchange contract: ${name}`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await factory();
    });
    afterAll(async () => {
      await h.close();
    });
    const fresh = (): void => {
      h.clearFaults();
      h.setClockSkew(0);
      h.setKeyPermissions({ trade: true, withdraw: false });
    };

    it('passes a connection test with a good trade-only key', async () => {
      fresh();
      const result = await testConnection(await h.make(), { simulated: false, timeoutMs: 5_000 });
      expect(result.steps.map((s) => s.name)).toEqual(['reachability', 'clock', 'authentication', 'permissions', 'balances']);
      expect(result.outcome, JSON.stringify(result.steps)).toBe('ok');
      expect(result.summary).toBe('ok');
      expect(result.steps.find((s) => s.name === 'balances')?.details?.['assets']).toBeGreaterThan(0);
    });

    it('reports "authentication failed" for a wrong secret', async () => {
      fresh();
      const result = await testConnection(await h.make({ credentials: 'wrongSecret' }), { simulated: false, timeoutMs: 5_000 });
      expect(result.outcome).toBe('failed');
      expect(result.summary).toBe('authentication failed');
      const auth = result.steps.find((s) => s.name === 'authentication');
      expect(auth?.outcome).toBe('failed');
      expect(auth?.details?.['code']).toBe('authentication_failed');
    });

    it('warns about a skewed clock', async () => {
      fresh();
      h.setClockSkew(2_500);
      const result = await testConnection(await h.make(), { simulated: false, timeoutMs: 5_000 });
      h.setClockSkew(0);
      const clock = result.steps.find((s) => s.name === 'clock');
      expect(clock?.outcome).toBe('warning');
      expect(Number(clock?.details?.['skewMs'])).toBeGreaterThan(1_500);
      expect(result.summary).toContain('clock skew');
    });

    it.skipIf(!capabilities.permissions)('warns when the key can withdraw', async () => {
      fresh();
      h.setKeyPermissions({ trade: true, withdraw: true });
      const result = await testConnection(await h.make(), { simulated: false, timeoutMs: 5_000 });
      const step = result.steps.find((s) => s.name === 'permissions');
      expect(step?.outcome).toBe('warning');
      expect(step?.message).toMatch(/Withdrawal is enabled/);
      expect(result.outcome).toBe('warning');
      expect(result.summary).toBe('withdrawal enabled');
    });

    it.skipIf(!capabilities.permissions)('fails when the key cannot trade', async () => {
      fresh();
      h.setKeyPermissions({ trade: false, withdraw: false });
      const result = await testConnection(await h.make(), { simulated: false, timeoutMs: 5_000 });
      expect(result.steps.find((s) => s.name === 'permissions')?.outcome).toBe('failed');
      expect(result.outcome).toBe('failed');
    });

    it('reports "unreachable" quickly for a closed port', async () => {
      fresh();
      const result = await testConnection(await h.make({ unreachable: true, timeoutMs: 1_000 }), { simulated: false, timeoutMs: 2_000 });
      expect(result.outcome).toBe('failed');
      expect(result.summary).toBe('unreachable');
      expect(result.durationMs).toBeLessThan(2_500);
    });

    it('reports "unreachable" within the timeout when the exchange never answers', async () => {
      fresh();
      h.injectFault('neverAnswers');
      const started = Date.now();
      const result = await testConnection(await h.make({ timeoutMs: 5_000 }), { simulated: false, timeoutMs: 1_000 });
      h.clearFaults();
      expect(result.summary).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('turns a 200 with garbage into a clear error, never an empty balance', async () => {
      fresh();
      const exchange = await h.make();
      h.injectFault('garbage');
      await expect(exchange.fetchBalances()).rejects.toBeInstanceOf(InvalidResponseError);
      await expect(exchange.fetchServerTime()).rejects.toBeInstanceOf(InvalidResponseError);
      h.clearFaults();
    });

    it('reads every listed market\'s 24 h ticker in one batch, exact and consistent, and only the markets asked for', async () => {
      fresh();
      const exchange = await h.make();
      const fetchTickers = exchange.fetchTickers?.bind(exchange);
      if (!fetchTickers) throw new Error(`${name} has no fetchTickers`);
      const listed = (await exchange.loadMarkets()).filter((m) => m.type === 'spot' && m.active).map((m) => m.symbol);
      const all = await fetchTickers();
      expect(all.map((t) => t.symbol).sort()).toEqual([...listed].sort());
      expect(listed.length).toBeGreaterThanOrEqual(3);
      for (const t of all) {
        expect(t.last, t.symbol).toMatch(DECIMAL_PATTERN);
        expect(dec(t.last).gt(0), t.symbol).toBe(true);
        for (const v of [t.bid, t.ask, t.high, t.low, t.baseVolume, t.quoteVolume, t.changePercent]) if (v !== null) expect(v).toMatch(DECIMAL_PATTERN);
        if (t.bid !== null && t.ask !== null) expect(dec(t.bid).lte(t.ask), t.symbol).toBe(true);
        if (t.high !== null && t.low !== null) expect(dec(t.low).lte(t.high) && dec(t.low).lte(t.last) && dec(t.last).lte(t.high), t.symbol).toBe(true);
        // Pair lists rank on quote volume: every exchange here reports it (Kraken's computed from the VWAP by ccxt).
        expect(t.quoteVolume, t.symbol).not.toBeNull();
      }
      const some = await fetchTickers([h.tradingSymbol, h.fillSymbol, 'NOSUCH/USDT']);
      expect(some.map((t) => t.symbol).sort()).toEqual([h.tradingSymbol, h.fillSymbol].sort());
      h.injectFault('garbage');
      await expect(fetchTickers()).rejects.toBeInstanceOf(InvalidResponseError);
      h.clearFaults();
    });

    describe.skipIf(!capabilities.trading)('orders', () => {
      it('creates, fetches, lists and cancels a limit order by our client order id', async () => {
        fresh();
        const exchange = await h.make();
        const symbol = h.tradingSymbol;
        const market = (await exchange.loadMarkets()).find((m) => m.symbol === symbol);
        expect(market).toBeDefined();
        const ticker = await exchange.fetchTicker(symbol);
        const step = dec(market?.priceStep ?? '0.01');
        const price = toDecimalString(dec(ticker.last).mul(0.5).div(step).floor().mul(step));
        const amount = toDecimalString(dec(20).div(price).div(market?.amountStep ?? '0.00001').ceil().mul(market?.amountStep ?? '0.00001'));
        const clientOrderId = h.newClientOrderId();

        const created = await exchange.createOrder({ symbol, side: 'buy', type: 'limit', amount, price, clientOrderId });
        expect(created.id).not.toBe('');
        expect(created.clientOrderId).toBe(clientOrderId);
        expect(created.status).toBe('open');
        expect(h.receivedClientOrderIds()).toContain(clientOrderId);

        const byId = await exchange.fetchOrder({ symbol, id: created.id });
        expect(byId.clientOrderId).toBe(clientOrderId);
        const byClientId = await exchange.fetchOrder({ symbol, clientOrderId });
        expect(byClientId.id).toBe(created.id);
        expect(dec(byClientId.amount).eq(amount)).toBe(true);

        const open = await exchange.fetchOpenOrders(symbol);
        expect(open.map((o) => o.clientOrderId)).toContain(clientOrderId);

        const canceled = await exchange.cancelOrder({ symbol, clientOrderId });
        expect(canceled.id).toBe(created.id);
        expect(canceled.status).toBe('canceled');
        expect(canceled.clientOrderId).toBe(clientOrderId);
        expect((await exchange.fetchOpenOrders(symbol)).map((o) => o.clientOrderId)).not.toContain(clientOrderId);

        // A finished order is still found by our client id (the order manager's restart path needs it).
        const after = await exchange.fetchOrder({ symbol, clientOrderId });
        expect(after.id).toBe(created.id);
        expect(after.status).toBe('canceled');
      });

      it('resolves a lookup or cancel of an order that never existed to not-found, never to "maybe"', async () => {
        fresh();
        const exchange = await h.make();
        await expect(exchange.fetchOrder({ symbol: h.tradingSymbol, clientOrderId: h.newClientOrderId() })).rejects.toBeInstanceOf(OrderNotFoundError);
        await expect(exchange.cancelOrder({ symbol: h.tradingSymbol, clientOrderId: h.newClientOrderId() })).rejects.toBeInstanceOf(OrderNotFoundError);
      });

      it('fills a market buy; its fills carry the fee in the documented asset and move the balances exactly', async () => {
        fresh();
        const exchange = await h.make();
        const symbol = h.fillSymbol;
        const market = (await exchange.loadMarkets()).find((m) => m.symbol === symbol);
        if (!market) throw new Error(`Expected ${symbol} among the markets`);
        h.stepPrices(1);
        const last = (await exchange.fetchTicker(symbol)).last;
        const amount = amountFor('20', last, market);
        const baseBefore = dec(h.balanceTotal(market.base));
        const quoteBefore = dec(h.balanceTotal(market.quote));
        const tradesBefore = new Set((await exchange.fetchMyTrades({ symbol })).map((f) => f.tradeId));
        const clientOrderId = h.newClientOrderId();

        const created = await exchange.createOrder({ symbol, side: 'buy', type: 'market', amount, clientOrderId });
        expect(created.clientOrderId).toBe(clientOrderId);
        const order = await exchange.fetchOrder({ symbol, clientOrderId });
        expect(order.id).toBe(created.id);
        expect(order.status).toBe('closed');
        expect(dec(order.filled).gt(0)).toBe(true);
        expect(dec(order.filled).lte(amount), `${order.filled} filled of ${amount}`).toBe(true);

        const fills = (await exchange.fetchMyTrades({ symbol })).filter((f) => !tradesBefore.has(f.tradeId));
        expect(fills.length).toBeGreaterThan(0);
        for (const f of fills) {
          expect(f.orderId).toBe(created.id);
          expect(f.side).toBe('buy');
          expect(dec(f.fee).gt(0), `fee of trade ${f.tradeId}`).toBe(true);
          expect(f.feeAsset).toBe(capabilities.feeAssets.buy === 'base' ? market.base : market.quote);
        }
        expect(toDecimalString(sumOf(fills, 'amount'))).toBe(toDecimalString(dec(order.filled)));
        const cost = fills.reduce((acc, f) => acc.add(dec(f.price).mul(f.amount)), ZERO);
        const fee = sumOf(fills, 'fee');
        const feeInBase = capabilities.feeAssets.buy === 'base';
        expect(toDecimalString(dec(h.balanceTotal(market.base)).sub(baseBefore))).toBe(toDecimalString(dec(order.filled).sub(feeInBase ? fee : ZERO)));
        expect(toDecimalString(quoteBefore.sub(h.balanceTotal(market.quote)))).toBe(toDecimalString(cost.add(feeInBase ? ZERO : fee)));
      });

      it('fills part of a limit order, cancels the rest, and keeps the filled part and its fills', async () => {
        fresh();
        const exchange = await h.make();
        const symbol = h.fillSymbol;
        const market = (await exchange.loadMarkets()).find((m) => m.symbol === symbol);
        if (!market) throw new Error(`Expected ${symbol} among the markets`);
        h.stepPrices(1);
        const last = (await exchange.fetchTicker(symbol)).last;
        // Marketable (2 % through the last price) and 1.5 steps' liquidity: one step's worth fills at once.
        const price = priceNear(last, '1.02', market);
        const amount = toDecimalString(dec(h.liquidityPerStep(symbol)).mul('1.5'));
        const clientOrderId = h.newClientOrderId();

        await exchange.createOrder({ symbol, side: 'buy', type: 'limit', amount, price, clientOrderId });
        const partial = await exchange.fetchOrder({ symbol, clientOrderId });
        expect(partial.status).toBe('open');
        expect(dec(partial.filled).gt(0) && dec(partial.filled).lt(amount), `${partial.filled} filled of ${amount}`).toBe(true);

        const canceled = await exchange.cancelOrder({ symbol, clientOrderId });
        expect(canceled.status).toBe('canceled');
        const final = await exchange.fetchOrder({ symbol, clientOrderId });
        expect(final.status).toBe('canceled');
        expect(toDecimalString(dec(final.filled))).toBe(toDecimalString(dec(partial.filled)));

        const fills = (await exchange.fetchMyTrades({ symbol })).filter((f) => f.orderId === final.id);
        expect(toDecimalString(sumOf(fills, 'amount'))).toBe(toDecimalString(dec(final.filled)));
        for (const f of fills) {
          expect(f.clientOrderId === null || f.clientOrderId === clientOrderId).toBe(true);
          expect(dec(f.fee).gt(0)).toBe(true);
          expect(dec(f.price).lte(price)).toBe(true);
        }
      });
    });
  });
}
