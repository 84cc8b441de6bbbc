// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionCard } from '../../web/src/features/connections/ConnectionCard';
import { connection, mockApi, problem, renderWithClient, testResult } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ConnectionCard', () => {
  it('shows the masked key and fingerprint, status, mode and markets — and no secret', () => {
    mockApi(() => undefined);
    renderWithClient(<ConnectionCard connection={connection({ lastTestResult: testResult() })} onEdit={() => {}} />);
    const card = screen.getByRole('article', { name: 'Binance main' });
    expect(within(card).getByText('abcd…wxyz')).toBeTruthy();
    expect(within(card).getByText('fingerprint 1f2e3d4c')).toBeTruthy();
    expect(card.querySelector('.status')?.textContent).toBe('Status: OK');
    expect(within(card).getByText('Live')).toBeTruthy();
    expect(within(card).getByText('Futures')).toBeTruthy();
    expect(within(card).getByText('Passed')).toBeTruthy();
    expect(card.querySelector('input')).toBeNull();
    expect(card.textContent).not.toMatch(/secret/i);
  });

  it("shows a simulated connection's test summary once, as the server words it", () => {
    mockApi(() => undefined);
    const result = testResult({ simulated: true, summary: 'All 4 checks passed (simulated exchange)' });
    renderWithClient(<ConnectionCard connection={connection({ mode: 'replay', lastTestResult: result, lastTestAt: new Date().toISOString() })} onEdit={() => {}} />);
    const card = screen.getByRole('article', { name: 'Binance main' });
    expect(card.textContent?.match(/simulated exchange/g)).toHaveLength(1);
  });

  it('shows health latency and error rate when the server reports them', () => {
    mockApi(() => undefined);
    const health = {
      connectionId: 'x',
      status: 'ok' as const,
      latencyP50Ms: 42,
      latencyP95Ms: 180,
      errorRate: 0.025,
      lastSuccessAt: null,
      consecutiveFailures: 0,
      ban: null,
    };
    renderWithClient(<ConnectionCard connection={connection()} health={health} onEdit={() => {}} />);
    expect(screen.getByText('42 ms / 180 ms')).toBeTruthy();
    expect(screen.getByText(/errors 2\.5%/)).toBeTruthy();
  });

  it("says why the last probe failed, and what kind of pause a ban is", () => {
    mockApi(() => undefined);
    const health = {
      connectionId: 'x',
      status: 'failing' as const,
      latencyP50Ms: 42,
      latencyP95Ms: 180,
      errorRate: 0.5,
      lastSuccessAt: null,
      consecutiveFailures: 3,
      samples: 6,
      lastFailure: { at: '2026-12-04T20:00:00.000Z', code: 'exchange_unavailable', message: 'Binance answered HTTP 503' },
      ban: { until: '2026-12-04T21:00:00.000Z', banned: true },
    };
    renderWithClient(<ConnectionCard connection={connection()} health={health} onEdit={() => {}} />);
    expect(screen.getByTestId('last-probe-failure').textContent).toBe(' · last probe failed: Binance answered HTTP 503');
    expect(screen.getByText(/IP banned by the exchange until/)).toBeTruthy();
  });

  it('makes a withdrawal-permission warning impossible to miss', () => {
    mockApi(() => undefined);
    const result = testResult({
      outcome: 'warning',
      summary: 'usable, with warnings',
      steps: [
        { name: 'authentication', outcome: 'ok', durationMs: 100, message: 'The key was accepted.' },
        { name: 'permissions', outcome: 'warning', durationMs: 90, message: 'Withdrawal is enabled on this key: create a trade-only key.' },
      ],
    });
    renderWithClient(<ConnectionCard connection={connection({ lastTestResult: result })} onEdit={() => {}} />);
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText(/Withdrawal permission is enabled on this API key/)).toBeTruthy();
    expect(within(alert).getByText('Withdrawal is enabled on this key: create a trade-only key.')).toBeTruthy();
  });

  it('shows no withdrawal banner for other warnings', () => {
    mockApi(() => undefined);
    const result = testResult({ outcome: 'warning', steps: [{ name: 'clock', outcome: 'warning', durationMs: 5, message: 'Clock skew is 900 ms.' }] });
    renderWithClient(<ConnectionCard connection={connection({ lastTestResult: result })} onEdit={() => {}} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('deletes only after confirmation; Cancel and Escape back out and return focus', async () => {
    const api = mockApi((call) => (call.method === 'DELETE' ? { status: 204 } : undefined));
    const user = userEvent.setup();
    renderWithClient(<ConnectionCard connection={connection()} onEdit={() => {}} />);
    const deleteButton = screen.getByRole('button', { name: 'Delete Binance main' });

    await user.click(deleteButton);
    const dialog = screen.getByRole('alertdialog', { name: 'Delete Binance main?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();

    await user.click(deleteButton);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(deleteButton);
    expect(api.calls).toHaveLength(0);

    await user.click(deleteButton);
    // Focus stays inside the dialog: Tab cycles between its buttons.
    await user.tab();
    await user.tab();
    await user.tab();
    expect(screen.getByRole('alertdialog').contains(document.activeElement)).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Delete connection' }));
    await waitFor(() => expect(api.calls).toEqual([{ method: 'DELETE', url: `/api/settings/connections/${connection().id}`, body: undefined }]));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });

  it('keeps the confirmation open and explains a refused delete (engine running)', async () => {
    mockApi(() => ({ status: 409, body: problem(409, 'This connection has a running trade engine: stop the engine before deleting the connection') }));
    const user = userEvent.setup();
    renderWithClient(<ConnectionCard connection={connection()} onEdit={() => {}} />);
    await user.click(screen.getByRole('button', { name: 'Delete Binance main' }));
    await user.click(screen.getByRole('button', { name: 'Delete connection' }));
    const dialog = screen.getByRole('alertdialog');
    expect(await within(dialog).findByText(/stop the engine before deleting/)).toBeTruthy();
  });

  it('switches enabled with a PATCH of that field only', async () => {
    const api = mockApi((call) => (call.method === 'PATCH' ? { status: 200, body: connection({ enabled: false, status: 'disabled' }) } : undefined));
    const user = userEvent.setup();
    renderWithClient(<ConnectionCard connection={connection()} onEdit={() => {}} />);
    const toggle = screen.getByRole('switch', { name: 'Enabled: Binance main' });
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    await user.click(toggle);
    await waitFor(() => expect(api.calls[0]).toEqual({ method: 'PATCH', url: `/api/settings/connections/${connection().id}`, body: { enabled: false } }));
  });

  it('says plainly when testing is not available yet (501)', async () => {
    mockApi(() => ({ status: 501, body: problem(501, 'Connection testing arrives with the exchange layer') }));
    const user = userEvent.setup();
    renderWithClient(<ConnectionCard connection={connection()} onEdit={() => {}} />);
    await user.click(screen.getByRole('button', { name: 'Test Binance main' }));
    expect(await screen.findByText('Test could not run: Not available in this version yet.')).toBeTruthy();
  });

  it('calls onEdit with the connection', async () => {
    mockApi(() => undefined);
    const onEdit = vi.fn();
    const user = userEvent.setup();
    const c = connection();
    renderWithClient(<ConnectionCard connection={c} onEdit={onEdit} />);
    await user.click(screen.getByRole('button', { name: 'Edit Binance main' }));
    expect(onEdit).toHaveBeenCalledWith(c);
  });
});
