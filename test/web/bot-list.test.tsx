// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BotList } from '../../web/src/features/live-trading/BotList';
import { engineStatus, multiPairStatus } from './live-trading-fixtures';
import { connection } from './support';

afterEach(cleanup);

describe('the bot list', () => {
  it("names each bot's connection with its mode once, even when the name already says it", () => {
    const demo = connection({ id: 'demo', name: 'Demo (replay)', mode: 'replay', apiKey: null, hasApiSecret: false });
    const live = connection({ id: 'live', name: 'Main account', mode: 'live' });
    const bots = [engineStatus({ id: 'b1', connectionId: 'demo' }), engineStatus({ id: 'b2', connectionId: 'live' })];
    render(<BotList bots={bots} connections={[demo, live]} selectedId={null} onSelect={() => undefined} onNew={() => undefined} creating={false} />);
    const text = screen.getByRole('table').textContent ?? '';
    expect(text).toContain('Demo (replay)');
    expect(text).not.toContain('(replay) (replay)');
    expect(text).toContain('Main account (live)');
  });

  it('names a multi-pair bot by its list instead of a symbol, and its budget in the list\'s quote', () => {
    const main = connection({ id: 'main', name: 'Main account', mode: 'live' });
    const fixed = multiPairStatus(3, { id: 'fixed', budget: { quote: '500' } });
    const top = multiPairStatus(10, { id: 'top' });
    if (top.pairs) top.pairs = { ...top.pairs, pairList: { kind: 'dynamic', topN: 10, quote: 'USDT', refreshMs: 1_800_000, blacklist: [] } };
    const single = engineStatus({ id: 'one', connectionId: 'main', strategy: 'dca', symbol: 'BTC/USDT' });
    render(<BotList bots={[fixed, top, single]} connections={[main]} selectedId={null} onSelect={() => undefined} onNew={() => undefined} creating={false} />);
    expect(screen.getByRole('button', { name: 'sma-crossover · 3 pairs' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'sma-crossover · top 10 USDT' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'dca · BTC/USDT' })).toBeTruthy();
    expect(screen.getByText('500 USDT')).toBeTruthy();
  });
});
