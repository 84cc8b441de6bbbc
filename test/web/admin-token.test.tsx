// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../web/src/App';
import { resetAuth } from '../../web/src/auth/token';
import { authHeaders, connection, mockApi, problem } from './support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  resetAuth();
  authHeaders.length = 0;
});

const TOKEN = 'correct-horse-battery-staple';

describe('admin token', () => {
  it('asks once on 401, keeps the token for the session and sends it as a bearer token', async () => {
    window.history.replaceState(null, '', '/');
    mockApi((call) => {
      const auth = authHeaders[authHeaders.length - 1];
      if (auth !== `Bearer ${TOKEN}`) return { status: 401, body: problem(401, 'This API requires the admin token') };
      if (call.url.startsWith('/api/settings/connections?')) return { status: 200, body: { items: [connection()], total: 1, limit: 50, offset: 0 } };
      return { status: 501, body: problem(501, 'not yet') };
    });
    const user = userEvent.setup();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <App />
      </QueryClientProvider>,
    );
    await waitFor(() => expect(window.location.pathname).toBe('/settings/connections'));

    const dialog = await screen.findByRole('dialog', { name: 'Admin token required' });
    await user.type(screen.getByLabelText('Admin token'), 'wrong-token-value');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('The server did not accept that token. Check it and try again.')).toBeTruthy();

    await user.clear(screen.getByLabelText('Admin token'));
    await user.type(screen.getByLabelText('Admin token'), TOKEN);
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('article', { name: 'Binance main' })).toBeTruthy();
    expect(dialog.isConnected).toBe(false);
    expect(sessionStorage.getItem('cts.adminToken')).toBe(TOKEN);
    expect(authHeaders[authHeaders.length - 1]).toBe(`Bearer ${TOKEN}`);
  });
});
