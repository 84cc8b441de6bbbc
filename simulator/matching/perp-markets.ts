import { Dec } from '../../src/domain/money.js';
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
 * Per base coin, where a venue sizes its perpetuals in contracts (Gate, OKX): the base coin per
 * contract (`size`: Gate `quanto_multiplier`, OKX `ctVal`), and the lot and the minimum order size in
 * contracts (`lot`, `min`: Gate 1 and 1, whole contracts; OKX `lotSz`, `minSz`). The core keeps
 * counting in the base coin; each venue's wire format converts with the spec's `contractSize`.
 */
export type PerpContracts = Readonly<Record<string, { size: string; lot: string; min: string }>>;

/**
 * Gate sizes futures in whole contracts of `quanto_multiplier` base coins each (BTC_USDT 0.0001 BTC,
 * ETH_USDT 0.01 ETH, XRP_USDT 10 XRP, as listed by GET /futures/usdt/contracts).
 */
export const GATE_CONTRACTS: PerpContracts = {
  BTC: { size: '0.0001', lot: '1', min: '1' },
  ETH: { size: '0.01', lot: '1', min: '1' },
  XRP: { size: '10', lot: '1', min: '1' },
};

export function perpSpecs(markets: readonly MarketSpec[], tiers: PerpTiers = BYBIT_TIERS, contracts?: PerpContracts): PerpSpec[] {
  return markets
    .filter((m) => m.quote === 'USDT')
    .map((m) => {
      const spec: PerpSpec = {
        symbol: m.symbol,
        base: m.base,
        settle: m.quote,
        tickSize: m.tickSize,
        stepSize: m.stepSize,
        minQty: m.minQty,
        maxQty: m.maxQty,
        minNotional: m.minNotional,
        ...(tiers[m.base] ?? { maxLeverage: '50', maintenanceMarginRate: '0.01' }),
      };
      const c = contracts?.[m.base];
      if (!c) return spec;
      // Sized in contracts: the core's step and minimum are the lot and minimum size in base; no minimum notional.
      const size = new Dec(c.size);
      return { ...spec, stepSize: size.mul(c.lot).toFixed(), minQty: size.mul(c.min).toFixed(), minNotional: '0', contractSize: size.toFixed() };
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
  /** Sizes in contracts (Gate, OKX): per base coin, the contract size, lot and minimum. */
  readonly contracts?: PerpContracts;
}

/**
 * OKX USDT-margined perpetual swaps (instType SWAP): the lowest tier of GET /api/v5/public/position-tiers
 * (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers): BTC-USDT-SWAP 100× at
 * 0.4 %; ETH and XRP plausible values of the same table (100× / 0.4 %, 75× / 0.5 %), not checked
 * against the live endpoint.
 */
export const OKX_TIERS: PerpTiers = {
  BTC: { maxLeverage: '100', maintenanceMarginRate: '0.004' },
  ETH: { maxLeverage: '100', maintenanceMarginRate: '0.004' },
  XRP: { maxLeverage: '75', maintenanceMarginRate: '0.005' },
};

/**
 * OKX sizes swaps in contracts (GET /api/v5/public/instruments?instType=SWAP,
 * https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments: `ctVal`, `lotSz`, `minSz`):
 * BTC-USDT-SWAP 0.01 BTC a contract, ETH-USDT-SWAP 0.1 ETH, XRP-USDT-SWAP 100 XRP, lots of 0.01
 * contract (the values the live endpoint lists for BTC and ETH; XRP's lot not checked).
 */
export const OKX_CONTRACTS: PerpContracts = {
  BTC: { size: '0.01', lot: '0.01', min: '0.01' },
  ETH: { size: '0.1', lot: '0.01', min: '0.01' },
  XRP: { size: '100', lot: '0.01', min: '0.01' },
};

/**
 * HTX USDT-margined swaps: the lowest tier of GET /linear-swap-api/v1/swap_adjustfactor / GET
 * /v5/market/risk/limit (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-0242ac110003).
 * Plausible values (BTC and ETH 100× at 0.4 %, XRP 75× at 0.5 %), not checked against the live endpoint.
 */
export const HTX_TIERS: PerpTiers = {
  BTC: { maxLeverage: '100', maintenanceMarginRate: '0.004' },
  ETH: { maxLeverage: '100', maintenanceMarginRate: '0.004' },
  XRP: { maxLeverage: '75', maintenanceMarginRate: '0.005' },
};

/**
 * HTX sizes USDT-margined swaps in whole contracts of `contract_size` base coins
 * (GET /linear-swap-api/v1/swap_contract_info: BTC-USDT 0.001 BTC, ETH-USDT 0.01 ETH; XRP-USDT 10 XRP
 * not checked against the live endpoint).
 */
export const HTX_CONTRACTS: PerpContracts = {
  BTC: { size: '0.001', lot: '1', min: '1' },
  ETH: { size: '0.01', lot: '1', min: '1' },
  XRP: { size: '10', lot: '1', min: '1' },
};

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
  gate: { tiers: GATE_TIERS, fees: { maker: '0.0002', taker: '0.0005' }, futuresWallet: true, contracts: GATE_CONTRACTS },
  // OKX: the regular (Lv1) USDT-margined swap rates, 0.02 % maker / 0.05 % taker (https://www.okx.com/fees);
  // one trading account for spot and swaps (the account's own balances); a liquidation is taken over at
  // the bankruptcy price (https://www.okx.com/help/iv-introduction-to-liquidation).
  okx: { tiers: OKX_TIERS, fees: { maker: '0.0002', taker: '0.0005' }, contracts: OKX_CONTRACTS },
  // HTX: USDT-margined swaps at 0.02 % maker / 0.05 % taker (the rates ccxt 4.5.84 lists for htx
  // contracts); the futures (contract) account is apart from spot, funded by a transfer; a liquidation
  // closes at the bankruptcy price.
  htx: { tiers: HTX_TIERS, fees: { maker: '0.0002', taker: '0.0005' }, futuresWallet: true, contracts: HTX_CONTRACTS },
};

/** What a Binance account's futures wallet holds when the account is created without saying. */
export const DEFAULT_FUTURES_BALANCES: Readonly<Record<string, string>> = { USDT: '10000' };

/** The futures wallet of an account on an exchange that keeps one (made with the account; empty if it was not). */
export function futuresWalletOf(account: SimAccount): SimWallet {
  account.futures ??= { balances: {} };
  return account.futures;
}
