import { ulid } from 'ulid';
import type { RunningSimulator } from '../../simulator/server.js';
import type { SimAccount } from '../../simulator/types.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import { dec, toDecimalString } from '../../src/domain/money.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import type { CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { getProfile, makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate, type RequestGate } from '../../src/ratelimit/request-gate.js';
import type { ContractHarness } from './exchange-contract.js';

/** Keys in each exchange's own format (Kraken secrets are base64). */
function secretFor(exchange: ExchangeId, variant: string): string {
  const raw = `cts${exchange}${variant}0123456789abcdef`;
  return exchange === 'kraken' ? Buffer.from(raw).toString('base64') : raw;
}

/**
 * The ccxt adapter pointed at the loopback simulator (ccxt `proxyUrl`), for the contract suite. One
 * account per harness; faults and skew are set through the simulator's in-process control.
 */
export function ccxtSimHarness(sim: RunningSimulator, ccxt: CcxtModules, exchange: ExchangeId, gate: RequestGate = openGate): ContractHarness {
  const profile = getProfile(exchange);
  const apiKey = `ctskey${exchange}${Math.random().toString(36).slice(2, 10)}`;
  const passphrase = profile.credentials.passphrase ? 'ctsPassphrase1' : undefined;
  const account: SimAccount = sim.control.addAccount(exchange, {
    apiKey,
    secret: secretFor(exchange, 'good'),
    passphrase,
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: '100000', BTC: '2', XRP: '1000', USD: '50000' },
  });
  const marketType = profile.marketTypes[0] ?? 'spot';
  return {
    tradingSymbol: 'BTC/USDT',
    fillSymbol: 'XRP/USDT',
    liquidityPerStep(symbol) {
      const market = sim.control.venue(exchange).market(symbol);
      if (!market) throw new Error(`Expected ${symbol} on the simulated ${exchange}`);
      return market.liquidityPerStep;
    },
    stepPrices(steps = 1) {
      sim.control.step(steps);
    },
    balanceTotal(asset) {
      const balance = account.balances[asset];
      return balance ? toDecimalString(dec(balance.free).add(balance.used)) : '0';
    },
    async make(options = {}) {
      const secret = secretFor(exchange, options.credentials === 'wrongSecret' ? 'bad' : 'good');
      return createCcxtExchange({
        ccxt,
        gate,
        connection: {
          id: `conn-${exchange}`,
          exchange,
          mode: 'live',
          credentials: { apiKey, apiSecret: secret, ...(passphrase ? { passphrase } : {}) },
          marketTypes: [marketType],
          // Port 1 on loopback is closed: connection refused at once.
          proxyUrl: options.unreachable ? 'http://127.0.0.1:1/' : sim.url,
          timeoutMs: options.timeoutMs ?? 5_000,
        },
      });
    },
    setKeyPermissions(p) {
      account.permissions = { ...account.permissions, trade: p.trade, withdraw: p.withdraw };
    },
    setClockSkew(ms) {
      sim.control.setClockSkew(exchange, ms);
    },
    injectFault(fault) {
      sim.control.injectFault({ exchange, fault: fault === 'garbage' ? { kind: 'garbage', mode: 'wrongShape' } : { kind: 'timeout' } });
    },
    clearFaults() {
      sim.control.clearFaults();
    },
    receivedClientOrderIds() {
      const field = profile.clientOrderId.field;
      return sim.control
        .requests({ exchange })
        .map((r) => r.params[field])
        .filter((v): v is string => typeof v === 'string');
    },
    newClientOrderId: () => makeClientOrderId(exchange, ulid()),
    async close() {
      sim.control.removeAccount(exchange, apiKey);
    },
  };
}
