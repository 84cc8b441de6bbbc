// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddConnectionDialog } from '../../web/src/features/connections/AddConnectionDialog';
import { EditConnectionDialog } from '../../web/src/features/connections/EditConnectionDialog';
import { connection, mockApi, renderWithClient } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const modeOptions = (): string[] => within(screen.getByLabelText('Mode')).getAllByRole('option').map((o) => (o as HTMLOptionElement).value);

describe('testnet is offered only where the exchange has one', () => {
  it('lists Testnet for Binance, Bybit, OKX and Gate, not for Kraken, Coinbase or HTX', async () => {
    mockApi(() => undefined);
    const user = userEvent.setup();
    renderWithClient(<AddConnectionDialog onClose={() => {}} />);
    for (const exchange of ['binance', 'bybit', 'okx', 'gate']) {
      await user.selectOptions(screen.getByLabelText('Exchange'), exchange);
      expect(modeOptions(), exchange).toEqual(['live', 'testnet', 'paper', 'replay']);
    }
    for (const exchange of ['kraken', 'coinbase', 'htx']) {
      await user.selectOptions(screen.getByLabelText('Exchange'), exchange);
      expect(modeOptions(), exchange).toEqual(['live', 'paper', 'replay']);
    }
  });

  it('switching a testnet form to an exchange without one turns it into paper', async () => {
    mockApi(() => undefined);
    const user = userEvent.setup();
    renderWithClient(<AddConnectionDialog onClose={() => {}} />);
    await user.selectOptions(screen.getByLabelText('Exchange'), 'bybit');
    await user.selectOptions(screen.getByLabelText('Mode'), 'testnet');
    await user.selectOptions(screen.getByLabelText('Exchange'), 'htx');
    expect((screen.getByLabelText('Mode') as HTMLSelectElement).value).toBe('paper');
    expect(modeOptions()).not.toContain('testnet');
  });

  it('a stored Kraken testnet connection shows its mode, flags it, and is not sent until changed', async () => {
    const original = connection({ exchange: 'kraken', marketTypes: ['spot'], mode: 'testnet' });
    const api = mockApi((call) => (call.method === 'PATCH' ? { status: 200, body: { ...original, mode: 'paper' } } : undefined));
    const user = userEvent.setup();
    renderWithClient(<EditConnectionDialog connection={original} onClose={() => {}} />);
    expect((screen.getByLabelText('Mode') as HTMLSelectElement).value).toBe('testnet');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('Kraken has no testnet; use paper mode.')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
    await user.selectOptions(screen.getByLabelText('Mode'), 'paper');
    expect(modeOptions()).not.toContain('testnet');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(api.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ mode: 'paper' });
  });
});
