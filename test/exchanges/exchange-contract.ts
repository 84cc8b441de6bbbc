import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '../../src/connections/connection-tester.js';
import { InvalidResponseError } from '../../src/domain/errors.js';
import { dec, toDecimalString } from '../../src/domain/money.js';
import type { Exchange } from '../../src/exchanges/exchange.port.js';

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
  newClientOrderId(): string;
  close(): Promise<void>;
}

export interface ContractCapabilities {
  /** The exchange reports key permissions (the withdrawal warning can be shown). */
  readonly permissions: boolean;
  /** Orders can be placed (the simulator trades Binance and Bybit). */
  readonly trading: boolean;
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
      });
    });
  });
}
