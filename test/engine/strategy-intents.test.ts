import { describe, expect, it } from 'vitest';
import { StrategyError, invokeStrategy, type Strategy, type StrategySnapshot } from '../../src/engine/strategy.js';

/** What a strategy returns is code from outside (user files): checked before the risk gate reads it. */

const snapshot = {} as StrategySnapshot;
const returning = (value: unknown): Strategy => ({ warmup: 0, onCandle: () => value as never });

describe('intents a strategy returns', () => {
  it('passes well-formed intents through as they are, order options included', () => {
    const intents = [
      { kind: 'enter', side: 'long', size: { quote: '100' }, price: '1.05', timeInForce: 'PO', reason: 'dip' },
      { kind: 'exit', size: { base: '10' }, price: '1.2', timeInForce: 'IOC' },
      { kind: 'place', side: 'sell', amount: '5', price: '1.3', tag: 'grid-3', timeInForce: 'FOK' },
      { kind: 'cancel', clientOrderId: 'cts-1' },
      { kind: 'exit' },
    ];
    expect(invokeStrategy('s', returning(intents), 'onCandle', snapshot)).toBe(intents);
  });

  it.each([
    [{ kind: 'enter', side: 'long', size: { quote: 'lots' } }, /intents\[0\.size/],
    [{ kind: 'enter', side: 'up', size: { quote: '1' } }, /side/],
    [{ kind: 'exit', timeInForce: 'IOC' }, /timeInForce IOC, FOK and PO need a limit price/],
    [{ kind: 'place', side: 'buy', amount: '-1', price: '1' }, /amount|greater than 0/],
    [{ kind: 'enter', side: 'long', size: { quote: '1' }, leverage: 50 }, /leverage|Unrecognized/],
    [{ kind: 'buy' }, /kind|Invalid/],
    [null, /intents\[0\]/],
  ])('turns %j into a strategy error with the field named (an event, never a crash)', (intent, message) => {
    const call = () => invokeStrategy('s', returning([intent]), 'onCandle', snapshot);
    expect(call).toThrow(StrategyError);
    expect(call).toThrow(message);
  });
});
