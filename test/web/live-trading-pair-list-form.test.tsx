// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StartEngineForm } from '../../web/src/features/live-trading/StartEngineForm';
import { DCA, SMA, engineStatus, multiPairStatus } from './live-trading-fixtures';
import { connection, mockApi, problem, renderWithClient } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const live = connection({ id: 'main', name: 'Binance main' });

function startApi(answer: () => { status: number; body?: unknown } = () => ({ status: 200, body: engineStatus({ state: 'running' }) })) {
  return mockApi((call) => {
    if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: [SMA, DCA] } };
    if (call.url === '/api/trade-engine/start') return answer();
    return undefined;
  });
}

const startBody = (api: ReturnType<typeof startApi>): unknown => api.calls.find((c) => c.url === '/api/trade-engine/start')?.body;

async function openSeveral() {
  const user = userEvent.setup();
  const started = vi.fn();
  renderWithClient(<StartEngineForm connections={[live]} connectionId="main" onConnectionChange={() => {}} previous={undefined} onStarted={started} />);
  const form = await screen.findByRole('form', { name: 'Start engine' });
  await user.click(within(form).getByLabelText('Several pairs'));
  return { user, form, started };
}

describe('StartEngineForm with a pair list', () => {
  it('sends a static list (quote taken from the pairs, max open trades defaulting to their number) instead of a symbol', async () => {
    const api = startApi();
    const { user, form, started } = await openSeveral();
    expect(within(form).queryByLabelText('Symbol')).toBeNull();
    await user.type(within(form).getByLabelText('Pairs'), 'BTC/USDT, ETH/USDT\nSOL/USDT  XRP/USDT');
    expect(within(form).getByText(/Now: 4 pairs quoted in USDT\./)).toBeTruthy();
    expect(within(form).getByLabelText('Max open trades').getAttribute('placeholder')).toBe('4');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(startBody(api)).toEqual({
      connectionId: 'main',
      budget: null,
      strategy: 'sma-crossover',
      params: { fast: 10, slow: 30, sizeQuote: '100' },
      pairList: { kind: 'static', pairs: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT'], quote: 'USDT' },
      maxOpenTrades: 4,
      timeframe: '1h',
      risk: { maxOpenOrders: 10, allowShort: false },
      options: { cancelOrdersOnStop: true },
    });
  });

  it('refuses pairs in several quote currencies, lower case or listed twice, and sends nothing', async () => {
    const api = startApi();
    const { user, form } = await openSeveral();
    const pairs = within(form).getByLabelText('Pairs');
    await user.type(pairs, 'BTC/USDT ETH/BTC');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect(within(form).getByText('All pairs must share one quote currency; this list mixes USDT, BTC.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(pairs));
    await user.clear(pairs);
    await user.type(pairs, 'btc/usdt, ETHUSDT');
    expect(within(form).getByText('Not a pair in upper case BASE/QUOTE (e.g. BTC/USDT): btc/usdt, ETHUSDT.')).toBeTruthy();
    await user.clear(pairs);
    await user.type(pairs, 'BTC/USDT ETH/USDT BTC/USDT');
    expect(within(form).getByText('Listed twice: BTC/USDT.')).toBeTruthy();
    await user.clear(pairs);
    await user.type(pairs, 'BTC/USDT ETH/USDT');
    await user.type(within(form).getByLabelText('Max open trades'), '3');
    expect(within(form).getByText('Max open trades must be a whole number from 1 to 2.')).toBeTruthy();
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect(startBody(api)).toBeUndefined();
  });

  it('sends a dynamic top-N list with its filters', async () => {
    const api = startApi();
    const { user, form, started } = await openSeveral();
    await user.selectOptions(within(form).getByLabelText('List kind'), 'dynamic');
    expect((within(form).getByLabelText('Quote currency') as HTMLInputElement).value).toBe('USDT');
    await user.clear(within(form).getByLabelText('Top N'));
    await user.type(within(form).getByLabelText('Top N'), '60');
    expect(within(form).getByText('Top N must be a whole number from 1 to 50.')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Top N'));
    await user.type(within(form).getByLabelText('Top N'), '20');
    await user.type(within(form).getByLabelText('Min 24 h quote volume'), '1000000');
    await user.type(within(form).getByLabelText('Min price'), '0.0001');
    await user.type(within(form).getByLabelText('Max spread (ratio)'), '2');
    expect(within(form).getByText('Max spread must be a ratio above 0 and at most 1, e.g. 0.005 (0.5 %).')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Max spread (ratio)'));
    await user.type(within(form).getByLabelText('Max spread (ratio)'), '0.005');
    await user.clear(within(form).getByLabelText('Rebuild every (minutes)'));
    await user.type(within(form).getByLabelText('Rebuild every (minutes)'), '15');
    await user.type(within(form).getByLabelText('Max open trades'), '5');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(startBody(api)).toMatchObject({
      pairList: { kind: 'dynamic', topN: 20, quote: 'USDT', refreshMs: 900_000, minQuoteVolume: '1000000', minPrice: '0.0001', maxSpreadRatio: '0.005' },
      maxOpenTrades: 5,
    });
    expect(startBody(api)).not.toHaveProperty('symbol');
  });

  it("puts the server's pair list refusal on its field", async () => {
    startApi(() => ({ status: 400, body: problem(400, 'Invalid pair list: pairList.topN too many for this exchange', [{ path: 'pairList.topN', message: 'too many for this exchange' }]) }));
    const { user, form } = await openSeveral();
    await user.selectOptions(within(form).getByLabelText('List kind'), 'dynamic');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Could not start: Invalid pair list: pairList.topN too many for this exchange');
    expect(within(form).getByText('too many for this exchange')).toBeTruthy();
    expect(within(form).getByLabelText('Top N').getAttribute('aria-invalid')).toBe('true');
  });

  it("starts a multi-pair bot again with its list, keeping the blacklist the form does not show", async () => {
    const previous = multiPairStatus(3, { state: 'stopped', allowedActions: ['start'] });
    if (previous.pairs) previous.pairs.pairList = { kind: 'static', pairs: ['A/USDT', 'B/USDT', 'C/USDT'], quote: 'USDT', blacklist: ['BNB/*'] };
    const api = startApi(() => ({ status: 200, body: previous }));
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[live]} connectionId="main" onConnectionChange={() => {}} previous={previous} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    expect((within(form).getByLabelText('Several pairs') as HTMLInputElement).checked).toBe(true);
    expect((within(form).getByLabelText('Pairs') as HTMLTextAreaElement).value).toBe('A/USDT, B/USDT, C/USDT');
    expect((within(form).getByLabelText('Max open trades') as HTMLInputElement).value).toBe('5');
    await user.clear(within(form).getByLabelText('Max open trades'));
    await user.click(within(form).getByRole('button', { name: 'Start this bot again' }));
    await waitFor(() => expect(startBody(api)).toBeDefined());
    expect(startBody(api)).toMatchObject({ engineId: 'multi', pairList: { kind: 'static', pairs: ['A/USDT', 'B/USDT', 'C/USDT'], quote: 'USDT', blacklist: ['BNB/*'] }, maxOpenTrades: 3 });
  });

  it('keeps the one-pair path: back on "One pair" it sends the symbol and no list', async () => {
    const api = startApi();
    const { user, form, started } = await openSeveral();
    await user.type(within(form).getByLabelText('Pairs'), 'BTC/USDT ETH/BTC');
    await user.click(within(form).getByLabelText('One pair'));
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    const body = startBody(api) as Record<string, unknown>;
    expect(body.symbol).toBe('XRP/USDT');
    expect(body).not.toHaveProperty('pairList');
    expect(body).not.toHaveProperty('maxOpenTrades');
  });
});
