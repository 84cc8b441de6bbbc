import type { DerivativesOptions } from './derivatives.js';
import type { PerpSpec } from './derivatives-types.js';
import type { MarketSpec } from './types.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import type { SimAccount, SimWallet } from '../types.js';

/** Per base coin, the lowest risk tier: the maximum leverage it allows and its maintenance margin rate. */
export type PerpTiers = Readonly<Record<string, { maxLeverage: string; maintenanceMarginRate: string }>>;

/**
 * The USDT perpetual listed beside each spot market: same id, same price path, same filters, with
 * the lowest risk tier's maximum leverage and maintenance margin rate. Bybit's: BTC 0.5 % and 100× (
 * "Risk Limit (USDT Contract)", https://www.bybit.com/en/help-center/article/Risk-Limit-USDT-Contract,
 * and GET /v5/market/risk-limit, https://bybit-exchange.github.io/docs/v5/market/risk-limit). ETH and
 * XRP: plausible values of the same table (0.5 % / 100× and 1 % / 50×), not checked against the live
 * endpoint. A symbol not in the table gets 1 % and 50×.
 */
export const BYBIT_TIERS: PerpTiers = {
  BTC: { maxLeverage: '100', maintenanceMarginRate: '0.005' },
  ETH: { maxLeverage: '100', maintenanceMarginRate: '0.005' },
  XRP: { maxLeverage: '50', maintenanceMarginRate: '0.01' },
};

/**
 * Binance USDⓈ-M: bracket 1 of GET /fapi/v1/leverageBracket
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets,
 * https://www.binance.com/en/futures/trading-rules/perpetual/leverage-margin): BTCUSDT 125× at 0.4 %
 * (as a recorded answer of that endpoint lists it). ETH and XRP: plausible values of the same table
 * (125× / 0.4 %, 75× / 0.5 %), not checked against the live endpoint.
 */
export const BINANCE_TIERS: PerpTiers = {
  BTC: { maxLeverage: '125', maintenanceMarginRate: '0.004' },
  ETH: { maxLeverage: '125', maintenanceMarginRate: '0.004' },
  XRP: { maxLeverage: '75', maintenanceMarginRate: '0.005' },
};

/**
 * Gate USDT-margined perpetuals: the lowest risk tier of GET /futures/usdt/contracts
 * (`leverage_max`, `maintenance_rate`; https://www.gate.com/docs/developers/apiv4/en/#list-all-futures-contracts):
 * BTC_USDT 125× at 0.4 % (as ccxt 4.5.84's recorded position sample lists it). ETH and XRP: plausible
 * values of the same table (100× / 0.5 %, 75× / 0.5 %), not checked against the live endpoint.
 */
export const GATE_TIERS: PerpTiers = {
  BTC: { maxLeverage: '125', maintenanceMarginRate: '0.004' },
  ETH: { maxLeverage: '100', maintenanceMarginRate: '0.005' },
  XRP: { maxLeverage: '75', maintenanceMarginRate: '0.005' },
};

/**
 * Gate sizes futures in contracts of `quanto_multiplier` base coins each (BTC_USDT 0.0001 BTC, ETH_USDT
 * 0.01 ETH, XRP_USDT 10 XRP, as listed by GET /futures/usdt/contracts): a perpetual of such a venue
 * trades whole contracts, so its step and minimum are one contract, and it has no minimum notional.
 */
export const GATE_CONTRACT_SIZES: Readonly<Record<string, string>> = { BTC: '0.0001', ETH: '0.01', XRP: '10' };

export function perpSpecs(markets: readonly MarketSpec[], tiers: PerpTiers = BYBIT_TIERS, contractSizes: Readonly<Record<string, string>> = {}): PerpSpec[] {
  return markets
    .filter((m) => m.quote === 'USDT')
    .map((m) => {
      const contract = contractSizes[m.base];
      return {
        symbol: m.symbol,
        base: m.base,
        settle: m.quote,
        tickSize: m.tickSize,
        stepSize: contract ?? m.stepSize,
        minQty: contract ?? m.minQty,
        maxQty: m.maxQty,
        minNotional: contract !== undefined ? '0' : m.minNotional,
        ...(contract !== undefined ? { contractSize: contract } : {}),
        ...(tiers[m.base] ?? { maxLeverage: '50', maintenanceMarginRate: '0.01' }),
      };
    });
}

/** How one exchange's perpetuals differ from the core's defaults (Bybit's rules). */
export interface PerpVenueConfig {
  readonly tiers?: PerpTiers;
  readonly fees?: DerivativesOptions['fees'];
  readonly defaultLeverage?: string;
  readonly liquidation?: DerivativesOptions['liquidation'];
  /** Margin, PnL, fees and funding move a futures wallet kept apart from spot (`SimAccount.futures`). */
  readonly futuresWallet?: boolean;
  /** Per base coin, the base quantity of one contract, where the venue sizes orders in contracts (Gate). */
  readonly contractSizes?: Readonly<Record<string, string>>;
}

/**
 * Binance USDⓈ-M: the non-VIP USDT-margined rates, 0.02 % maker / 0.05 % taker, charged in USDT
 * (https://www.binance.com/en/fee/futureFee); a symbol never set trades at 20×, the default of an
 * account opened as "advanced" (https://www.binance.com/en/support/faq/detail/360034946672); the
 * USDⓈ-M wallet is apart from spot; a liquidation books REALIZED_PNL and INSURANCE_CLEAR
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History).
 */
export const PERP_VENUES: Readonly<Partial<Record<ExchangeId, PerpVenueConfig>>> = {
  binance: { tiers: BINANCE_TIERS, fees: { maker: '0.0002', taker: '0.0005' }, defaultLeverage: '20', liquidation: 'clearance', futuresWallet: true },
  // Gate: 0.02 % maker / 0.05 % taker on USDT perpetuals at VIP 0 (https://www.gate.com/fee, the
  // rates ccxt 4.5.84 lists for Gate contracts); the futures account is apart from spot
  // (GET /futures/usdt/accounts); a liquidation closes at the bankruptcy price.
  gate: { tiers: GATE_TIERS, fees: { maker: '0.0002', taker: '0.0005' }, futuresWallet: true, contractSizes: GATE_CONTRACT_SIZES },
};

/** What a Binance account's futures wallet holds when the account is created without saying. */
export const DEFAULT_FUTURES_BALANCES: Readonly<Record<string, string>> = { USDT: '10000' };

/** The futures wallet of an account on an exchange that keeps one (made with the account; empty if it was not). */
export function futuresWalletOf(account: SimAccount): SimWallet {
  account.futures ??= { balances: {} };
  return account.futures;
}
