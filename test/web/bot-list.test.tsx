// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BotList } from '../../web/src/features/live-trading/BotList';
import { engineStatus } from './live-trading-fixtures';
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
});
