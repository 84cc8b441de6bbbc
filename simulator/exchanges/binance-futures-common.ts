import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpPlaceInput, PerpSpec } from '../matching/derivatives-types.js';
import type { SimContext, SimResponse } from '../types.js';
import { binanceError, missingParam, type Params } from './binance-common.js';
import { perpId } from './binance-futures-shapes.js';

/** Pieces shared by the Binance USDⓈ-M market, account and trading tables. */

export function perpsOf(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

export function perpById(d: DerivativesVenue, id: string | undefined): PerpSpec | undefined {
  return id === undefined ? undefined : d.perps().find((p) => perpId(p) === id.toUpperCase());
}

/** Runs `run` on the `symbol` parameter's perpetual: -1102 when missing, -1121 when not listed. */
export function withPerp(ctx: SimContext, params: Params, run: (spec: PerpSpec, d: DerivativesVenue) => SimResponse): SimResponse {
  if (params['symbol'] === undefined) return missingParam('symbol');
  const d = perpsOf(ctx);
  const spec = perpById(d, params['symbol']);
  return spec ? run(spec, d) : binanceError(400, -1121, 'Invalid symbol.');
}

/** An order's `side` on the wire. */
export const SIDES: Record<string, PerpPlaceInput['side']> = { BUY: 'buy', SELL: 'sell' };
