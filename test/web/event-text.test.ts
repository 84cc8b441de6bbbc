import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../web/src/api/engine-types';
import { describeEvent } from '../../web/src/features/live-trading/live-model';

const ev = (type: string, payload: Record<string, unknown>): EngineEvent => ({ engineId: 'e1', type, payload, time: '2026-03-01T00:00:00.000Z', seq: 1 });

describe('decimals in the event log', () => {
  it('rounds a fill’s long fractions for reading and leaves the payload exact', () => {
    const payload = { side: 'sell', amount: '90', symbol: 'XRP/USDT', price: '1.0535465', fee: '0.094819185', feeQuote: '0.094819185', realizedPnl: '-3.57804147540545965515' };
    expect(describeEvent(ev('fill', payload)).message).toBe('Filled sell 90 XRP/USDT @ 1.0535465 (fee 0.094819185, realized -3.5780415)');
    expect(payload.realizedPnl).toBe('-3.57804147540545965515');
  });

  it('rounds a position’s quantity and net PnL', () => {
    const positions = [{ symbol: 'ETH/BTC', side: 'long', quantity: '0.123456789012', dust: false }];
    expect(describeEvent(ev('position', { positions, pnl: { netPnl: '-0.00001234567891234' } })).message).toBe('Position long 0.12345679 ETH/BTC; net PnL -0.000012345679');
    expect(describeEvent(ev('position', { positions: [] })).message).toBe('Position flat; net PnL —');
  });
});
