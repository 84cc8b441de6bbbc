import { beforeAll, describe, expect, it } from 'vitest';
import { loadCcxt, type CcxtInstance } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { toOrder } from '../../../src/exchanges/ccxt/response-schemas.js';
import { algoParentOf, firedAlgoOrderId } from '../../../src/exchanges/ccxt/stop-orders.js';

/**
 * OKX algo orders as ccxt 4.5.84's own parseOrder reads them (fields as
 * https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-details lists them),
 * then through our toOrder: a conditional stop-loss is a market sell with a stop-loss trigger, its
 * client id from algoClOrdId when clOrdId is empty; `live` is open, `canceled` canceled; a fired
 * (`effective`) one names the order it placed, and that order names it back.
 */

let okx: CcxtInstance;
beforeAll(async () => {
  const { classes } = await loadCcxt();
  okx = new classes.okx({});
});

function algo(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    algoId: '2001', algoClOrdId: 'ctsStop1', clOrdId: '', instId: 'XRP-USDT', instType: 'SPOT', ordType: 'conditional', side: 'sell',
    sz: '4.9', slTriggerPx: '98', slOrdPx: '-1', tpTriggerPx: '', tpOrdPx: '', triggerPx: '', ordPx: '', state: 'live', ordId: '', ordIdList: [],
    tdMode: 'cash', cTime: '1700000000000', uTime: '1700000000000', ...fields,
  };
}

describe('OKX algo orders through ccxt parseOrder and toOrder', () => {
  it('a live conditional stop-loss: open, market, stop-loss at its trigger, our client id from algoClOrdId', () => {
    const order = toOrder(okx.parseOrder(algo({})), 0, { status: 'open' });
    expect(order).toMatchObject({ id: '2001', clientOrderId: 'ctsStop1', symbol: 'XRP/USDT', side: 'sell', type: 'market', status: 'open', price: null, amount: '4.9', trigger: { kind: 'stop-loss', price: '98' } });
    expect(firedAlgoOrderId(okx.parseOrder(algo({})))).toBeUndefined();
  });

  it('a trigger algo with an order price is a limit stop; -1 is a market one without a price', () => {
    expect(toOrder(okx.parseOrder(algo({ ordType: 'trigger', slTriggerPx: '', slOrdPx: '', triggerPx: '98', ordPx: '97.5' })), 0)).toMatchObject({ type: 'limit', price: '97.5', trigger: { kind: 'stop-loss', price: '98' } });
    expect(toOrder(okx.parseOrder(algo({ ordType: 'trigger', slTriggerPx: '', slOrdPx: '', triggerPx: '98', ordPx: '-1' })), 0)).toMatchObject({ type: 'market', price: null });
  });

  it('canceled is canceled', () => {
    expect(toOrder(okx.parseOrder(algo({ state: 'canceled' })), 0).status).toBe('canceled');
  });

  it('a fired algo names the order it placed (ordIdList first), which names the algo back', () => {
    const fired = okx.parseOrder(algo({ state: 'effective', ordId: '9001', ordIdList: ['9001'] }));
    expect(firedAlgoOrderId(fired)).toBe('9001');
    const placed = okx.parseOrder({
      ordId: '9001', algoId: '2001', algoClOrdId: 'ctsStop1', clOrdId: '', instId: 'XRP-USDT', instType: 'SPOT', ordType: 'market', side: 'sell',
      sz: '4.9', accFillSz: '4.9', avgPx: '97', state: 'filled', tdMode: 'cash', cTime: '1700000000000', uTime: '1700000000000',
    });
    // ccxt reads the algo id as the placed order's id: toOrder keeps it, so it reads as our stop.
    expect(toOrder(placed, 0)).toMatchObject({ id: '2001', clientOrderId: 'ctsStop1', status: 'closed', filled: '4.9', average: '97' });
    expect(algoParentOf(placed)).toEqual({ ordId: '9001', algoId: '2001', algoClOrdId: 'ctsStop1' });
    expect(algoParentOf(okx.parseOrder(algo({})))).toBeUndefined();
  });
});
