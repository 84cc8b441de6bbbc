import { InvalidResponseError, NotImplementedError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { CcxtInstance } from './ccxt-classes.js';

export type PositionMode = 'one-way' | 'hedge';

/**
 * The account's position mode for a perpetual, read from the exchange. CTS trades one-way (net)
 * positions only: in hedge mode every order needs a position side CTS never sends, and the position
 * endpoint lists two positions per pair, so a start on such an account is refused rather than traded.
 *  - Binance USDⓈ-M: GET /fapi/v1/positionSide/dual (`dualSidePosition`, account-wide), ccxt fetchPositionMode.
 *  - Bybit: the position list's `positionIdx` (0 one-way; 1 and 2 the buy and sell sides of hedge mode,
 *    https://bybit-exchange.github.io/docs/v5/enum#positionidx); ccxt 4.5.84 has no fetchPositionMode for it.
 *  - Gate: the USDT futures account's `in_dual_mode` (GET /futures/usdt/accounts,
 *    https://www.gate.com/docs/developers/apiv4/en/#query-futures-account); ccxt 4.5.84's gate has no
 *    fetchPositionMode either.
 *  - OKX: the account's `posMode` (GET /api/v5/account/config, `net_mode` or `long_short_mode`,
 *    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration), ccxt fetchPositionMode.
 */
export async function readPositionMode(ex: CcxtInstance, exchange: ExchangeId, symbol: string, params: () => Record<string, unknown>): Promise<PositionMode> {
  if (exchange === 'binance' || exchange === 'okx') {
    const mode: unknown = await ex.fetchPositionMode(symbol, params());
    const hedged = asRecord(mode)?.['hedged'];
    if (typeof hedged !== 'boolean') throw new InvalidResponseError(`${exchange === 'okx' ? 'OKX' : 'Binance'} reported no readable position mode`);
    return hedged ? 'hedge' : 'one-way';
  }
  if (exchange === 'bybit') {
    const positions: unknown = await ex.fetchPositions([symbol], params());
    if (!Array.isArray(positions)) throw new InvalidResponseError('Bybit reported no readable position list');
    const sides = positions.map((p) => String(asRecord(asRecord(p)?.['info'])?.['positionIdx'] ?? '0'));
    return sides.some((idx) => idx === '1' || idx === '2') ? 'hedge' : 'one-way';
  }
  if (exchange === 'gate') {
    const account: unknown = await ex.privateFuturesGetSettleAccounts({ ...params(), settle: 'usdt' });
    const dual = asRecord(account)?.['in_dual_mode'];
    if (typeof dual !== 'boolean') throw new InvalidResponseError('Gate reported no readable position mode');
    return dual ? 'hedge' : 'one-way';
  }
  if (exchange === 'htx') {
    const answer: unknown = await ex.contractPrivateGetV5PositionMode(params());
    const mode = asRecord(asRecord(answer)?.['data'])?.['position_mode'];
    if (mode !== 'single_side' && mode !== 'dual_side') throw new InvalidResponseError('HTX reported no readable position mode');
    return mode === 'dual_side' ? 'hedge' : 'one-way';
  }
  throw new NotImplementedError(`Reading the position mode on ${exchange} is not verified in CTS yet`);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
