// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddConnectionDialog } from '../../web/src/features/connections/AddConnectionDialog';
import { EditConnectionDialog } from '../../web/src/features/connections/EditConnectionDialog';
import { connection, mockApi, problem, renderWithClient } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function marketTypeBoxes(): string[] {
  const group = screen.getByRole('group', { name: 'Market types' });
  return within(group)
    .getAllByRole('checkbox')
    .map((box) => box.parentElement?.textContent ?? '');
}

describe('AddConnectionDialog', () => {
  it('adapts to the exchange: only its market types, a passphrase only where one is needed', async () => {
    mockApi(() => undefined);
    const user = userEvent.setup();
    renderWithClient(<AddConnectionDialog onClose={() => {}} />);

    expect(marketTypeBoxes()).toEqual(['Spot', 'Futures', 'Margin']);
    expect(screen.queryByLabelText('Passphrase')).toBeNull();

    await user.selectOptions(screen.getByLabelText('Exchange'), 'okx');
    expect(marketTypeBoxes()).toEqual(['Spot', 'Futures', 'Swap']);
    expect(screen.getByLabelText('Passphrase')).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Exchange'), 'coinbase');
    expect(marketTypeBoxes()).toEqual(['Spot']);
    expect(screen.queryByLabelText('Passphrase')).toBeNull();
  });

  it('validates as you type and on submit, without calling the server while anything is wrong', async () => {
    const api = mockApi(() => undefined);
    const user = userEvent.setup();
    renderWithClient(<AddConnectionDialog onClose={() => {}} />);

    await user.type(screen.getByLabelText('API key'), 'short');
    expect(screen.getByText('API key must be at least 16 characters (now 5).')).toBeTruthy();
    expect(screen.getByLabelText('API key').getAttribute('aria-invalid')).toBe('true');
    await user.type(screen.getByLabelText('API key'), '-now-long-enough');
    expect(screen.queryByText(/API key must be at least/)).toBeNull();

    await user.type(screen.getByLabelText('Name'), 'x');
    await user.clear(screen.getByLabelText('Name'));
    expect(screen.getByText('Name must not be empty.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(screen.getByText('API secret is required for live mode.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    expect(api.calls).toHaveLength(0);

    // Replay needs no keys, but a typed key still needs its secret.
    await user.selectOptions(screen.getByLabelText('Mode'), 'replay');
    expect(screen.getByText('Type the API secret that belongs to this key.')).toBeTruthy();
  });

  it("shows the server's field errors on the fields and its detail in plain words", async () => {
    const api = mockApi((call) =>
      call.method === 'POST'
        ? {
            status: 400,
            body: problem(400, 'The connection is not valid', [
              { path: 'apiKey', message: 'must not start or end with whitespace' },
              { path: 'marketTypes', message: 'Binance does not support swap; choose from spot, futures, margin' },
            ]),
          }
        : undefined,
    );
    const user = userEvent.setup();
    const onClose = vi.fn();
    renderWithClient(<AddConnectionDialog onClose={onClose} />);

    await user.type(screen.getByLabelText('Name'), 'Main');
    await user.type(screen.getByLabelText('API key'), 'k'.repeat(20));
    await user.type(screen.getByLabelText('API secret'), 's'.repeat(32));
    await user.click(screen.getByRole('button', { name: 'Add connection' }));

    await screen.findByText('API key must not start or end with whitespace.');
    expect(screen.getByText('Binance does not support swap; choose from spot, futures, margin.')).toBeTruthy();
    expect(within(screen.getByRole('alert')).getByText('The connection is not valid')).toBeTruthy();
    expect(onClose).not.toHaveBeenCalled();
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/settings/connections',
      body: { name: 'Main', exchange: 'binance', marketTypes: ['spot'], mode: 'live', enabled: true, apiKey: 'k'.repeat(20), apiSecret: 's'.repeat(32) },
    });

    // Editing the field clears its server error.
    await user.type(screen.getByLabelText('API key'), 'x');
    expect(screen.queryByText('API key must not start or end with whitespace.')).toBeNull();
  });

  it('maps a duplicate-name conflict onto the name field', async () => {
    mockApi(() => ({ status: 409, body: problem(409, 'A connection named "Main" already exists') }));
    const user = userEvent.setup();
    renderWithClient(<AddConnectionDialog onClose={() => {}} />);
    await user.type(screen.getByLabelText('Name'), 'Main');
    await user.selectOptions(screen.getByLabelText('Mode'), 'paper');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getAllByText('A connection named "Main" already exists').length).toBeGreaterThan(0);
  });
});

describe('EditConnectionDialog', () => {
  it('never shows a stored secret and keeps it unless a new one is typed', async () => {
    const original = connection({ exchange: 'okx', marketTypes: ['spot', 'swap'], hasPassphrase: true });
    const api = mockApi((call) => (call.method === 'PATCH' ? { status: 200, body: { ...original, name: 'OKX renamed' } } : undefined));
    const user = userEvent.setup();
    const onClose = vi.fn();
    renderWithClient(<EditConnectionDialog connection={original} onClose={onClose} />);

    expect(screen.getByText('abcd…wxyz')).toBeTruthy();
    expect(screen.getByText('1f2e3d4c')).toBeTruthy();
    for (const label of ['API key', 'API secret', 'Passphrase']) {
      const input = screen.getByLabelText(label) as HTMLInputElement;
      expect(input.value).toBe('');
      expect(input.type).toBe('password');
      expect(input.placeholder).toMatch(/Leave blank to keep/);
    }
    expect(screen.getByText(/Stored secrets stay as they are unless you type new ones/)).toBeTruthy();

    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'OKX renamed');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(api.calls).toEqual([{ method: 'PATCH', url: `/api/settings/connections/${original.id}`, body: { name: 'OKX renamed' } }]);
  });

  it('sends new credentials only when typed, and requires the pair', async () => {
    const original = connection();
    const api = mockApi((call) => (call.method === 'PATCH' ? { status: 200, body: original } : undefined));
    const user = userEvent.setup();
    renderWithClient(<EditConnectionDialog connection={original} onClose={() => {}} />);

    await user.type(screen.getByLabelText('API key'), 'n'.repeat(24));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('Type the API secret that belongs to this key.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);

    await user.type(screen.getByLabelText('API secret'), 'z'.repeat(40));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.calls).toHaveLength(1));
    expect(api.calls[0]?.body).toEqual({ apiKey: 'n'.repeat(24), apiSecret: 'z'.repeat(40) });
  });

  it('closes on Escape', async () => {
    mockApi(() => undefined);
    const user = userEvent.setup();
    const onClose = vi.fn();
    renderWithClient(<EditConnectionDialog connection={connection()} onClose={onClose} />);
    expect(screen.getByRole('dialog', { name: 'Edit Binance main' })).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });
});
