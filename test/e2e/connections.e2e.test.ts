import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { ServerProcess } from '../support/server-process.js';
import { publishScreenshot, screenshotBoth } from './support/browser.js';
import { useE2eSession } from './support/session.js';

/**
 * The connection manager in a real browser against the real server (fresh data dir, temp port):
 * add a connection, see it listed, edit it, delete it with confirmation; screenshots of every page.
 */
describe('web UI: exchange connections (Chromium)', () => {
  // The exchange behind every live connection here is the loopback simulator.
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => sim?.close());
  const session = useE2eSession('cts-e2e-', () => ({ CTS_EXCHANGE_PROXY_URL: sim.url }));
  const pageErrors = session.pageErrors;
  let server: ServerProcess;
  let page: Page;

  beforeAll(() => {
    ({ server, page } = session.current());
  });

  const apiKey = 'E2EkeyAAAABBBBCCCCDDDD9876';
  const apiSecret = 'e2e-secret-0123456789abcdef0123456789';

  it('serves the SPA at / and lands on the connection manager with the demo connection', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/settings/connections');
    await page.getByRole('heading', { level: 1, name: 'Exchange connections' }).waitFor();
    await page.getByRole('article', { name: 'Demo (replay)' }).waitFor();
  }, 60_000);

  it('adds a connection through the dialog, validating first', async () => {
    await page.getByRole('button', { name: '+ Add connection' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.waitFor();

    // The form adapts to the exchange: OKX brings a passphrase and swap; Binance has neither.
    await dialog.getByLabel('Exchange').selectOption('okx');
    await dialog.getByLabel('Passphrase').waitFor();
    await dialog.getByRole('checkbox', { name: 'Swap' }).waitFor();
    await dialog.getByLabel('Exchange').selectOption('binance');
    expect(await dialog.getByLabel('Passphrase').count()).toBe(0);

    // Submitting empty shows what is missing, without a request.
    await dialog.getByRole('button', { name: 'Add connection' }).click();
    await dialog.getByText('Name must not be empty.').waitFor();
    await dialog.getByText('API key is required for live mode.').waitFor();

    await dialog.getByLabel('Name').fill('Binance main');
    await dialog.getByRole('checkbox', { name: 'Futures' }).check();
    await dialog.getByLabel('API key').fill(apiKey);
    await dialog.getByLabel('API secret').fill(apiSecret);
    await screenshotBoth(page, 'add-connection-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Add connection' }).click();
    await dialog.waitFor({ state: 'detached' });

    const card = page.getByRole('article', { name: 'Binance main' });
    await card.waitFor();
    expect(await card.getByText('E2Ek…9876').count()).toBe(1);
    const text = await card.innerText();
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(apiSecret);
    expect(await page.content()).not.toContain(apiSecret);
    await screenshotBoth(page, 'connections');
    publishScreenshot('connections-1280.png', 'connections.png');
  }, 60_000);

  it('shows server-side refusals in plain words (duplicate name)', async () => {
    await page.getByRole('button', { name: '+ Add connection' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add connection' });
    await dialog.getByLabel('Name').fill('Binance main');
    await dialog.getByLabel('Mode').selectOption('paper');
    await dialog.getByRole('button', { name: 'Add connection' }).click();
    await dialog.getByRole('alert').getByText('A connection named "Binance main" already exists').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }, 60_000);

  it('edits it: changed fields saved, stored secrets untouched and never shown', async () => {
    await page.getByRole('button', { name: 'Edit Binance main' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Binance main' });
    await dialog.waitFor();
    await dialog.getByText('E2Ek…9876').waitFor();
    expect(await dialog.getByLabel('API secret').inputValue()).toBe('');
    await screenshotBoth(page, 'edit-connection-dialog', { fullPage: false });

    await dialog.getByLabel('Name').fill('Binance primary');
    await dialog.getByLabel('Mode').selectOption('testnet');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });

    const card = page.getByRole('article', { name: 'Binance primary' });
    await card.waitFor();
    await card.getByText('Testnet').waitFor();
    expect(await card.getByText('E2Ek…9876').count()).toBe(1);

    const listed = (await (await fetch(`${server.url}/api/settings/connections?mode=testnet`)).json()) as {
      items: { name: string; hasApiSecret: boolean; apiKey: { mask: string } | null }[];
    };
    expect(listed.items).toEqual([expect.objectContaining({ name: 'Binance primary', hasApiSecret: true, apiKey: expect.objectContaining({ mask: 'E2Ek…9876' }) })]);
  }, 60_000);

  it('filters the list by exchange, status and mode', async () => {
    const filters = page.getByRole('group', { name: 'Filter connections' });
    await filters.getByLabel('Mode').selectOption('replay');
    await page.getByRole('article', { name: 'Binance primary' }).waitFor({ state: 'detached' });
    await page.getByRole('article', { name: 'Demo (replay)' }).waitFor();
    await filters.getByLabel('Exchange').selectOption('okx');
    await page.getByText('No connection matches these filters.').waitFor();
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('article', { name: 'Binance primary' }).waitFor();
  }, 60_000);

  it('tests connections against the exchange: OK, a wrong secret fails plainly, and "Test all" shows live progress', async () => {
    const key = 'e2eTestedKey0123456789';
    const secret = 'e2e-tested-secret-0123456789abcdef';
    sim.control.addAccount('binance', { apiKey: key, secret, balances: { USDT: '1000' } });
    for (const [name, apiSecret] of [['Binance tested', secret], ['Binance wrong secret', 'not-the-secret-0123456789']] as const) {
      const res = await fetch(`${server.url}/api/settings/connections`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: key, apiSecret }),
      });
      expect(res.status).toBe(201);
    }
    await page.reload();

    const good = page.getByRole('article', { name: 'Binance tested' });
    await good.getByRole('button', { name: 'Test Binance tested' }).click();
    await good.locator('.outcome', { hasText: /^Passed$/ }).waitFor({ timeout: 30_000 });

    const bad = page.getByRole('article', { name: 'Binance wrong secret' });
    await bad.getByRole('button', { name: 'Test Binance wrong secret' }).click();
    await bad.locator('.outcome', { hasText: /^Failed$/ }).waitFor({ timeout: 30_000 });
    await bad.getByText('authentication failed', { exact: false }).first().waitFor();
    expect(await page.content()).not.toContain('not-the-secret-0123456789');
    await screenshotBoth(page, 'connection-tests');

    await page.getByRole('button', { name: 'Test all' }).click();
    await page.getByRole('progressbar', { name: 'Batch test progress' }).waitFor({ timeout: 30_000 });
    await page.getByText(/^(Done|Cancelled): \d+ of \d+ tested/).waitFor({ timeout: 60_000 });
    const panel = page.getByRole('region', { name: 'Testing all connections' });
    await panel.getByText('Demo (replay)').waitFor();
    await panel.getByText('Binance tested').waitFor();
    await panel.getByText('Binance wrong secret').waitFor();
    await screenshotBoth(page, 'batch-test');
    await panel.getByRole('button', { name: 'Close' }).click();
  }, 120_000);

  it('deletes only after confirmation', async () => {
    await page.getByRole('button', { name: 'Delete Binance primary' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete Binance primary?' });
    await confirm.waitFor();
    await screenshotBoth(page, 'delete-confirmation', { fullPage: false });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('article', { name: 'Binance primary' }).waitFor();

    await page.getByRole('button', { name: 'Delete Binance primary' }).click();
    await confirm.getByRole('button', { name: 'Delete connection' }).click();
    await page.getByRole('article', { name: 'Binance primary' }).waitFor({ state: 'detached' });
    await page.getByRole('article', { name: 'Demo (replay)' }).waitFor();
  }, 60_000);

  it('shows the system page and links to the trading pages', async () => {
    await page.getByRole('link', { name: /^System/ }).click();
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    await page.getByRole('button', { name: 'Verify startup' }).click();
    await page.getByRole('button', { name: 'Run integration test' }).click();
    await page.waitForFunction('!document.querySelector("[aria-busy=true]") && ![...document.querySelectorAll("button")].some(b => b.textContent === "Running…")', undefined, { timeout: 60_000 });
    await screenshotBoth(page, 'system');

    // The trading pages have their own browser tests (trading.e2e.test.ts, backtests.e2e.test.ts).
    for (const link of ['Live trading', 'Backtests']) {
      await page.getByRole('link', { name: new RegExp(`^${link}`) }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
