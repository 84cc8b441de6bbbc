// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchTestJob } from '../../web/src/api/types';
import { ExchangeConnectionManagerV2 } from '../../web/src/features/connections/ExchangeConnectionManagerV2';
import { connection, mockApi, problem, renderWithClient, testResult } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const A = connection({ id: '01HZY3T9W6Q8M0V6C3K2F1D7AA', name: 'Alpha' });
const B = connection({ id: '01HZY3T9W6Q8M0V6C3K2F1D7BB', name: 'Beta', exchange: 'okx', marketTypes: ['swap'] });
const list = (items = [A, B]) => ({ status: 200, body: { items, total: items.length, limit: 50, offset: 0 } });
const notImplemented = { status: 501, body: problem(501, 'not yet') };

describe('ExchangeConnectionManagerV2', () => {
  it('lists connections and filters them through the API', async () => {
    const api = mockApi((call) => {
      if (call.url.startsWith('/api/settings/connections/health')) return notImplemented;
      if (call.url.startsWith('/api/settings/connections?')) return call.url.includes('exchange=okx') ? list([B]) : list();
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<ExchangeConnectionManagerV2 />);
    expect(screen.getByText('Loading connections…')).toBeTruthy();
    expect(await screen.findByRole('article', { name: 'Alpha' })).toBeTruthy();
    expect(screen.getByRole('article', { name: 'Beta' })).toBeTruthy();

    await user.selectOptions(within(screen.getByRole('group', { name: 'Filter connections' })).getByLabelText('Exchange'), 'okx');
    await waitFor(() => expect(screen.queryByRole('article', { name: 'Alpha' })).toBeNull());
    expect(api.calls.some((c) => c.url.includes('exchange=okx'))).toBe(true);
  });

  it('shows an empty state with a way to add the first connection', async () => {
    mockApi((call) => (call.url.startsWith('/api/settings/connections?') ? list([]) : notImplemented));
    const user = userEvent.setup();
    renderWithClient(<ExchangeConnectionManagerV2 />);
    expect(await screen.findByText('No exchange connections yet.')).toBeTruthy();
    await user.click(within(screen.getByText('No exchange connections yet.').parentElement as HTMLElement).getByRole('button', { name: '+ Add connection' }));
    expect(screen.getByRole('dialog', { name: 'Add connection' })).toBeTruthy();
  });

  it('shows a load error in plain words', async () => {
    mockApi(() => ({ status: 500, body: problem(500, 'An unexpected error occurred; it has been logged.') }));
    renderWithClient(<ExchangeConnectionManagerV2 />);
    expect(await screen.findByText('Could not load connections: An unexpected error occurred; it has been logged.')).toBeTruthy();
  });

  it('runs "Test all" with a live progress bar and per-connection results', async () => {
    const running: BatchTestJob = { jobId: 'j1', state: 'running', total: 2, done: 1, results: [{ connectionId: A.id, name: 'Alpha', exchange: 'binance', result: testResult() }] };
    const done: BatchTestJob = {
      ...running,
      state: 'done',
      done: 2,
      results: [...running.results, { connectionId: B.id, name: 'Beta', exchange: 'okx', error: 'authentication failed: invalid signature' }],
    };
    let polls = 0;
    const api = mockApi((call) => {
      if (call.url === '/api/settings/connections/batch-test' && call.method === 'POST') return { status: 202, body: { jobId: 'j1' } };
      if (call.url === '/api/settings/connections/batch-test/j1') return { status: 200, body: ++polls < 2 ? running : done };
      if (call.url.startsWith('/api/settings/connections?')) return list();
      return notImplemented;
    });
    const user = userEvent.setup();
    renderWithClient(<ExchangeConnectionManagerV2 />);
    await screen.findByRole('article', { name: 'Alpha' });
    await user.click(screen.getByRole('button', { name: 'Test all' }));

    const bar = await screen.findByRole('progressbar', { name: 'Batch test progress' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('1'));
    expect(screen.getByText('1 of 2 tested…')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Done: 2 of 2 tested, 1 failed, 0 with warnings.')).toBeTruthy(), { timeout: 3000 });
    expect(screen.getByText('authentication failed: invalid signature')).toBeTruthy();
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({});
  });

  it('says when batch testing is not available yet', async () => {
    mockApi((call) => (call.url.startsWith('/api/settings/connections?') ? list() : notImplemented));
    const user = userEvent.setup();
    renderWithClient(<ExchangeConnectionManagerV2 />);
    await screen.findByRole('article', { name: 'Alpha' });
    await user.click(screen.getByRole('button', { name: 'Test all' }));
    expect(await screen.findByText('Test all could not start: Not available in this version yet.')).toBeTruthy();
  });
});
