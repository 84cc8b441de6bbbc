// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StrategyCatalog } from '../../web/src/api/strategies';
import { StartEngineForm } from '../../web/src/features/live-trading/StartEngineForm';
import { StrategyFilesPanel } from '../../web/src/features/strategies/StrategyFilesPanel';
import { SMA } from './live-trading-fixtures';
import { connection, mockApi, problem, renderWithClient } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const MINE = { id: 'my-idea', name: 'My idea', description: 'From a file', params: [] };
const BEFORE: StrategyCatalog = {
  directory: '/srv/cts/data/strategies',
  directoryExists: true,
  loadedAt: '2026-01-01T10:00:00.000Z',
  strategies: [{ ...SMA, source: { kind: 'built-in' } }],
  problems: [{ file: 'my-idea.ts', kind: 'compile', message: 'Unexpected ";"', line: 12, column: 5 }],
};
const AFTER: StrategyCatalog = { ...BEFORE, strategies: [...BEFORE.strategies, { ...MINE, source: { kind: 'file', file: 'my-idea.ts' } }], problems: [] };

describe('StrategyFilesPanel', () => {
  it('shows files that did not load with file and line; Reload re-reads the folder and refreshes the start form', async () => {
    let reloaded = false;
    const api = mockApi((call) => {
      if (call.url === '/api/strategies' && call.method === 'GET') return { status: 200, body: reloaded ? AFTER : BEFORE };
      if (call.url === '/api/strategies/reload' && call.method === 'POST') {
        reloaded = true;
        return { status: 200, body: AFTER };
      }
      if (call.url === '/api/trade-engine/strategies') return { status: 200, body: { items: reloaded ? [SMA, MINE] : [SMA] } };
      return undefined;
    });
    const user = userEvent.setup();
    const demo = connection({ id: 'demo', name: 'Demo (replay)', mode: 'replay', apiKey: null, hasApiSecret: false });
    renderWithClient(
      <>
        <StartEngineForm connections={[demo]} connectionId="demo" onConnectionChange={() => {}} previous={undefined} onStarted={() => {}} />
        <StrategyFilesPanel />
      </>,
    );

    const failed = await screen.findByRole('list', { name: 'Strategy files that did not load' });
    expect(failed.textContent).toBe('my-idea.ts:12:5 Unexpected ";"');
    expect(screen.getByText(/Running engines keep the code they started with/)).toBeTruthy();
    expect(screen.getByText('/srv/cts/data/strategies')).toBeTruthy();
    const picker = (await screen.findByLabelText('Strategy')) as HTMLSelectElement;
    expect([...picker.options].map((o) => o.value)).toEqual(['sma-crossover']);

    await user.click(screen.getByRole('button', { name: 'Reload strategy files' }));
    expect(api.calls.filter((c) => c.url === '/api/strategies/reload')).toEqual([{ method: 'POST', url: '/api/strategies/reload', body: {} }]);
    const loaded = await screen.findByRole('list', { name: 'Loaded strategy files' });
    expect(within(loaded).getByText('my-idea')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Strategy files that did not load' })).toBeNull();
    await waitFor(() => expect([...picker.options].map((o) => o.textContent)).toEqual([SMA.name, 'My idea — my-idea.ts']));
  });

  it('says so when a reload fails, keeping the last listing', async () => {
    mockApi((call) => {
      if (call.url === '/api/strategies' && call.method === 'GET') return { status: 200, body: BEFORE };
      if (call.url === '/api/strategies/reload') return { status: 503, body: problem(503, 'The server is shutting down') };
      return undefined;
    });
    const user = userEvent.setup();
    renderWithClient(<StrategyFilesPanel />);
    await user.click(await screen.findByRole('button', { name: 'Reload strategy files' }));
    expect((await screen.findByText(/Reload failed/)).textContent).toContain('The server is shutting down');
    expect(screen.getByRole('list', { name: 'Strategy files that did not load' })).toBeTruthy();
  });
});
