// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StartEngineForm } from '../../web/src/features/live-trading/StartEngineForm';
import { DCA, SMA, engineStatus } from './live-trading-fixtures';
import { connection, mockApi, problem, renderWithClient } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const demo = connection({ id: 'demo', name: 'Demo (replay)', mode: 'replay', exchange: 'binance', apiKey: null, hasApiSecret: false });
const live = connection({ id: 'main', name: 'Binance main' });

function strategiesApi(extra?: (call: { method: string; url: string; body: unknown }) => { status: number; body?: unknown } | undefined) {
  return mockApi((call) => {
    if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: [SMA, DCA] } };
    return extra?.(call);
  });
}

describe('StartEngineForm', () => {
  it('generates the parameters of the chosen strategy and sends a typed start request', async () => {
    const api = strategiesApi((call) => (call.url === '/api/trade-engine/start' ? { status: 200, body: engineStatus({ state: 'running', allowedActions: ['pause', 'stop'] }) } : undefined));
    const started = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[demo, live]} connectionId="demo" onConnectionChange={() => {}} previous={undefined} onStarted={started} />);

    const form = await screen.findByRole('form', { name: 'Start engine' });
    expect((within(form).getByLabelText('Fast') as HTMLInputElement).value).toBe('10');
    await user.selectOptions(within(form).getByLabelText('Strategy'), 'dca');
    expect(within(form).queryByLabelText('Fast')).toBeNull();
    expect((within(form).getByLabelText('Interval candles') as HTMLInputElement).value).toBe('24');
    await user.selectOptions(within(form).getByLabelText('Strategy'), 'sma-crossover');

    await user.clear(within(form).getByLabelText('Fast'));
    await user.type(within(form).getByLabelText('Fast'), '3');
    await user.clear(within(form).getByLabelText('Size quote'));
    await user.type(within(form).getByLabelText('Size quote'), '250.5');
    await user.type(within(form).getByLabelText('Stop loss %'), '5');
    await user.selectOptions(within(form).getByLabelText('Timeframe'), '15m');
    await user.clear(within(form).getByLabelText('Replay speed (candles per second)'));
    await user.type(within(form).getByLabelText('Replay speed (candles per second)'), '20');
    // The hint states the range the server takes: 0 is not in it.
    expect(within(form).getByText(/above 0 and at most 10000 candles per second/)).toBeTruthy();
    // A budget of its own, so it can run beside the connection's other bots.
    await user.selectOptions(within(form).getByLabelText('This bot may spend'), 'quote');
    await user.type(within(form).getByLabelText('Budget (quote)'), '0');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect(within(form).getByText('Budget must be a quote amount above 0, e.g. 500.')).toBeTruthy();
    expect(started).not.toHaveBeenCalled();
    await user.clear(within(form).getByLabelText('Budget (quote)'));
    await user.type(within(form).getByLabelText('Budget (quote)'), '750.25');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));

    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(api.calls.find((c) => c.url === '/api/trade-engine/start')?.body).toEqual({
      connectionId: 'demo',
      budget: { quote: '750.25' },
      strategy: 'sma-crossover',
      params: { fast: 3, slow: 30, sizeQuote: '250.5' },
      symbol: 'XRP/USDT',
      timeframe: '15m',
      risk: { maxOpenOrders: 10, stopLossPct: 5, allowShort: false },
      options: { cancelOrdersOnStop: true, replaySpeed: 20 },
    });
  });

  it('refuses to send while anything is invalid, and focuses the first problem', async () => {
    const api = strategiesApi();
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[demo]} connectionId="demo" onConnectionChange={() => {}} previous={undefined} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    await user.clear(within(form).getByLabelText('Symbol'));
    await user.type(within(form).getByLabelText('Symbol'), 'XRPUSDT');
    expect(within(form).getByText('Symbol must look like BASE/QUOTE, e.g. BTC/USDT.')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Slow'));
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect(within(form).getByText('Slow is required.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(within(form).getByLabelText('Symbol')));
    expect(api.calls.filter((c) => c.url === '/api/trade-engine/start')).toHaveLength(0);
  });

  it("puts the server's refusal in words and its field errors on the fields", async () => {
    strategiesApi((call) =>
      call.url === '/api/trade-engine/start'
        ? { status: 400, body: problem(400, 'Invalid parameters for strategy sma-crossover: params.fast: fast must be shorter than slow', [{ path: 'params.fast', message: 'fast must be shorter than slow' }]) }
        : undefined,
    );
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[demo]} connectionId="demo" onConnectionChange={() => {}} previous={undefined} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    await user.clear(within(form).getByLabelText('Fast'));
    await user.type(within(form).getByLabelText('Fast'), '40');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Could not start: Invalid parameters for strategy sma-crossover: params.fast: fast must be shorter than slow');
    expect(within(form).getByText('fast must be shorter than slow')).toBeTruthy();
    expect(within(form).getByLabelText('Fast').getAttribute('aria-invalid')).toBe('true');
  });

  it('starts again from the settings of the previous run; replay speed only for replay connections', async () => {
    const previous = engineStatus({ id: 'bot-7', connectionId: 'main', budget: { sharePct: 30 }, strategy: 'dca', params: { intervalCandles: 6, amountQuote: '25' }, symbol: 'BTC/USDT', timeframe: '4h', risk: { maxOpenOrders: 3 } });
    const api = strategiesApi((call) => (call.url === '/api/trade-engine/start' ? { status: 200, body: previous } : undefined));
    const change = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[demo, live]} connectionId="main" onConnectionChange={change} previous={previous} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    expect((within(form).getByLabelText('Strategy') as HTMLSelectElement).value).toBe('dca');
    expect((within(form).getByLabelText('Interval candles') as HTMLInputElement).value).toBe('6');
    expect((within(form).getByLabelText('Amount quote') as HTMLInputElement).value).toBe('25');
    expect((within(form).getByLabelText('Symbol') as HTMLInputElement).value).toBe('BTC/USDT');
    expect((within(form).getByLabelText('Timeframe') as HTMLSelectElement).value).toBe('4h');
    expect((within(form).getByLabelText('Max open orders') as HTMLInputElement).value).toBe('3');
    expect(within(form).queryByLabelText('Replay speed (candles per second)')).toBeNull();
    expect((within(form).getByLabelText('This bot may spend') as HTMLSelectElement).value).toBe('share');
    expect((within(form).getByLabelText('Share (%)') as HTMLInputElement).value).toBe('30');
    // The same bot starts again: its connection is fixed and the request names it.
    expect((within(form).getByLabelText('Connection') as HTMLSelectElement).disabled).toBe(true);
    await user.click(within(form).getByRole('button', { name: 'Start this bot again' }));
    await waitFor(() => expect(api.calls.some((c) => c.url === '/api/trade-engine/start')).toBe(true));
    expect(api.calls.find((c) => c.url === '/api/trade-engine/start')?.body).toMatchObject({ connectionId: 'main', engineId: 'bot-7', budget: { sharePct: 30 }, strategy: 'dca' });
    expect(change).not.toHaveBeenCalled();
  });

  it('offers to test a connection whose last test did not pass, instead of naming the API path', async () => {
    const refusal = {
      type: 'https://cts.local/problems/connection-not-tested',
      title: 'Conflict',
      status: 409,
      detail: 'Connection "Binance main" has not been tested since it was last changed; a live engine needs a connection whose last test passed (POST /api/settings/connections/main/test)',
      connectionId: 'main',
    };
    const api = strategiesApi((call) => {
      if (call.url === '/api/trade-engine/start') return { status: 409, body: refusal };
      if (call.url === '/api/settings/connections/main/test') return { status: 200, body: { outcome: 'ok', summary: 'All 4 checks passed', startedAt: '2026-12-04T20:00:00.000Z', durationMs: 300, simulated: false, steps: [] } };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[live]} connectionId="main" onConnectionChange={() => {}} previous={undefined} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toMatch(/^Could not start: Connection "Binance main" has not been tested since it was last changed; a live engine needs a connection whose last test passed\./);
    expect(alert.textContent).not.toMatch(/\/api\//);
    await user.click(within(alert).getByRole('button', { name: 'Test connection' }));
    expect(await within(alert).findByText('The test passed (All 4 checks passed): start the bot again.')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'POST' && c.url === '/api/settings/connections/main/test')).toHaveLength(1);
  });

  it('takes the unfilled-limit timeout, a nested risk setting, from the fields the server describes; left at its defaults it is not sent', async () => {
    const previous = engineStatus({ id: 'bot-9', connectionId: 'main', strategy: 'sma-crossover', params: { fast: 5, slow: 20, sizeQuote: '100' }, symbol: 'BTC/USDT', timeframe: '1h', risk: { maxOpenOrders: 10, unfilledTimeout: { exitSeconds: 120, action: 'cancel', maxReprices: 3 } } });
    let reply: { status: number; body: unknown } = { status: 422, body: problem(422, 'Invalid risk settings: risk.unfilledTimeout.entrySeconds: Too big', [{ path: 'risk.unfilledTimeout.entrySeconds', message: 'Too big: expected number to be <=604800' }]) };
    const api = strategiesApi((call) => (call.url === '/api/trade-engine/start' ? reply : undefined));
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[live]} connectionId="main" onConnectionChange={() => {}} previous={previous} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    // The last run's nested setting comes back into its fields.
    expect((within(form).getByLabelText('Unfilled timeout: exit seconds') as HTMLInputElement).value).toBe('120');
    await user.type(within(form).getByLabelText('Unfilled timeout: entry seconds'), '300');
    await user.selectOptions(within(form).getByLabelText('Unfilled timeout: action'), 'reprice');
    await user.click(within(form).getByRole('button', { name: 'Start this bot again' }));
    // The server's error on a nested field is shown at that field.
    expect(await within(form).findByText('Too big: expected number to be <=604800')).toBeTruthy();
    expect(within(form).getByLabelText('Unfilled timeout: entry seconds').getAttribute('aria-invalid')).toBe('true');
    const sent = api.calls.filter((c) => c.url === '/api/trade-engine/start').at(-1)?.body as { risk: unknown };
    expect(sent.risk).toEqual({ maxOpenOrders: 10, allowShort: false, unfilledTimeout: { entrySeconds: 300, exitSeconds: 120, action: 'reprice', maxReprices: 3 } });

    // Cleared back to nothing but its defaults, the setting is left out of the request.
    reply = { status: 200, body: previous };
    await user.clear(within(form).getByLabelText('Unfilled timeout: entry seconds'));
    await user.clear(within(form).getByLabelText('Unfilled timeout: exit seconds'));
    await user.selectOptions(within(form).getByLabelText('Unfilled timeout: action'), 'cancel');
    await user.click(within(form).getByRole('button', { name: 'Start this bot again' }));
    await waitFor(() => expect(api.calls.filter((c) => c.url === '/api/trade-engine/start')).toHaveLength(2));
    const again = api.calls.filter((c) => c.url === '/api/trade-engine/start').at(-1)?.body as { risk: unknown };
    expect(again.risk).toEqual({ maxOpenOrders: 10, allowShort: false });
  });

  it.each([
    [demo, /rest as stop orders in the simulated account/],
    [live, /rests on Binance as a stop order from the entry on, so it protects the position while CTS is down/],
    [connection({ id: 'kr', name: 'Kraken main', exchange: 'kraken' }), /Kraken spot stop orders are not used by CTS yet.*nothing protects the position while CTS is down/],
  ])('says where the stop-loss will live on %#: on the venue, or checked by CTS only while it runs', async (chosen, note) => {
    strategiesApi();
    renderWithClient(<StartEngineForm connections={[chosen]} connectionId={chosen.id} onConnectionChange={() => {}} previous={undefined} onStarted={() => {}} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    expect(within(form).getByTestId('protection-note').textContent).toMatch(note);
  });

  it('asks for leverage and margin mode only for a perpetual, in a group of their own, and sends them', async () => {
    const api = strategiesApi((call) => (call.url === '/api/trade-engine/start' ? { status: 200, body: engineStatus({ state: 'running', allowedActions: ['pause', 'stop'] }) } : undefined));
    const started = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<StartEngineForm connections={[demo, live]} connectionId="main" onConnectionChange={() => {}} previous={undefined} onStarted={started} />);
    const form = await screen.findByRole('form', { name: 'Start engine' });
    expect(within(form).queryByRole('group', { name: /Perpetual/ })).toBeNull();
    expect(within(form).queryByLabelText('Leverage')).toBeNull();
    await user.clear(within(form).getByLabelText('Symbol'));
    await user.type(within(form).getByLabelText('Symbol'), 'BTC/USDT:USDT');
    const group = within(form).getByRole('group', { name: 'Perpetual: leverage and margin' });
    await user.type(within(group).getByLabelText('Leverage'), '5');
    await user.selectOptions(within(group).getByLabelText('Margin mode'), 'cross');
    await user.click(within(form).getByRole('button', { name: 'Start bot' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    const body = api.calls.find((c) => c.url === '/api/trade-engine/start')?.body as { symbol: string; risk: Record<string, unknown> };
    expect(body.symbol).toBe('BTC/USDT:USDT');
    expect(body.risk).toMatchObject({ leverage: '5', marginMode: 'cross' });
  });

  it('says so when the strategies cannot be loaded', async () => {
    mockApi(() => ({ status: 500, body: problem(500, 'database is locked') }));
    renderWithClient(<StartEngineForm connections={[demo]} connectionId="demo" onConnectionChange={() => {}} previous={undefined} />);
    expect((await screen.findByRole('alert')).textContent).toContain('Could not load the strategies: database is locked');
  });
});
