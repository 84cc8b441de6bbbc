import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server-process.js';
import { publishScreenshot, screenshotBoth } from './support/browser.js';
import { shootFromTop, useE2eSession } from './support/session.js';

/**
 * Live trading in a real browser against the real server (fresh data dir): start the demo replay
 * engine from the form, watch it run and fill (table and chart), pause/resume, stop it.
 */
describe('web UI: live trading (Chromium)', () => {
  const session = useE2eSession('cts-e2e-trading-');
  const pageErrors = session.pageErrors;
  let server: ServerProcess;
  let page: Page;

  beforeAll(() => {
    ({ server, page } = session.current());
  });

  it('opens on a new bot for the demo replay connection with a start form generated from the strategy', async () => {
    await page.goto(`${server.url}/live`);
    await page.getByRole('heading', { level: 1, name: 'Live trading' }).waitFor();
    await page.waitForURL(/\/live\/new$/); // no bot yet
    expect(await page.getByRole('button', { name: 'New bot' }).getAttribute('aria-pressed')).toBe('true');
    const form = page.getByRole('form', { name: 'Start engine' });
    await form.waitFor();
    expect(await form.getByLabel('Connection').inputValue()).toMatch(/^[0-9A-Z]{26}$/);
    expect(await form.getByLabel('Connection').locator('option:checked').innerText()).toMatch(/Demo \(replay\)/);
    await form.getByLabel('Strategy').selectOption('sma-crossover');
    // Parameters come from GET /api/trade-engine/strategies, with their defaults and bounds.
    expect(await form.getByLabel('Fast', { exact: true }).inputValue()).toBe('10');
    expect(await form.getByLabel('Slow', { exact: true }).getAttribute('max')).toBe('5000');
    expect(await form.getByLabel('Size quote').inputValue()).toBe('100');
    await page.getByText('Live', { exact: true }).waitFor();

    // A bound is checked as you type.
    await form.getByLabel('Fast', { exact: true }).fill('0');
    await form.getByText('Fast must be at least 1.').waitFor();
    await form.getByLabel('Fast', { exact: true }).fill('3');
    await form.getByLabel('Slow', { exact: true }).fill('8');
    expect(await form.getByText(/must be at least/).count()).toBe(0);
  }, 60_000);

  it('shows a refusal from the server in plain words (unknown market)', async () => {
    const form = page.getByRole('form', { name: 'Start engine' });
    await form.getByLabel('Symbol').fill('NOPE/USDT');
    await form.getByRole('button', { name: 'Start bot' }).click();
    await form.getByRole('alert').getByText(/NOPE\/USDT is not a market/).waitFor({ timeout: 30_000 });
    await form.getByLabel('Symbol').fill('XRP/USDT');
  }, 60_000);

  it('starts the demo engine: running, a fill in the table and on the chart, live PnL', async () => {
    const form = page.getByRole('form', { name: 'Start engine' });
    // Slow enough to watch (and to stop before the 100 bundled candles run out).
    await form.getByLabel('Replay speed (candles per second)').fill('3');
    await form.getByLabel('This bot may spend').selectOption('quote');
    await form.getByLabel('Budget (quote)').fill('5000');
    await form.getByRole('button', { name: 'Start bot' }).click();

    await page.waitForURL(/\/live\/[0-9A-Z]{26}$/);
    const status = page.getByRole('region', { name: /^Bot sma-crossover on Demo/ });
    const bots = page.getByRole('region', { name: 'Bots (1)' });
    await bots.getByText('5000 USDT').waitFor();
    await status.locator('[data-state="running"]').waitFor({ timeout: 30_000 });
    await status.getByText(/Heartbeat \d+ s ago/).waitFor();
    await page.getByRole('group', { name: 'Engine controls' }).waitFor();

    const fills = page.getByRole('table', { name: 'Fills' });
    await fills.locator('tbody tr').first().waitFor({ timeout: 60_000 });
    expect(await fills.locator('tbody tr').first().innerText()).toMatch(/XRP\/USDT/);
    await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-markers') ?? 0) > 0, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points') ?? 0) > 5, undefined, { timeout: 10_000 });
    const log = page.getByRole('list', { name: 'Engine events' });
    await log.getByText(/^Filled (buy|sell)/).first().waitFor();
    await log.getByText('Engine starting → running').waitFor();
    expect(await page.getByTestId('net-pnl').innerText()).toMatch(/^[+-]?\d/);

    // Everything above came from the events stream: the page was never reloaded.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await fills.locator('tbody tr').nth(1).waitFor({ timeout: 30_000 });
    await shootFromTop(page, 'live-trading');
    publishScreenshot('live-trading-1280.png', 'live-trading.png');
  }, 120_000);

  it('pauses, resumes and stops it (with confirmation)', async () => {
    const controls = page.getByRole('group', { name: 'Engine controls' });
    const status = page.getByRole('region', { name: /^Bot sma-crossover on Demo/ });
    const running = status.locator('[data-state="running"]');
    if (await running.count()) {
      await controls.getByRole('button', { name: 'Pause' }).click();
      await status.locator('[data-state="paused"]').waitFor();
      await controls.getByRole('button', { name: 'Resume' }).click();
      await running.waitFor();

      await controls.getByRole('button', { name: 'Emergency stop' }).click();
      const emergency = page.getByRole('alertdialog', { name: /Emergency stop/ });
      await emergency.getByLabel(/flatten/).waitFor();
      await screenshotBoth(page, 'live-trading-emergency-dialog', { fullPage: false });
      await emergency.getByRole('button', { name: 'Cancel', exact: true }).click();
      await emergency.waitFor({ state: 'detached' });

      await controls.getByRole('button', { name: 'Stop', exact: true }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Stop Demo (replay)?' });
      await confirm.getByRole('button', { name: 'Stop engine' }).click();
      await confirm.waitFor({ state: 'detached' });
    }
    // Stopped (by us, or because the replay data ran out first): the start form is back.
    await status.locator('[data-state="stopped"]').waitFor({ timeout: 30_000 });
    await page.getByRole('form', { name: 'Start engine' }).waitFor();
    await page.getByRole('list', { name: 'Engine events' }).getByText(/^Stopped: /).first().waitFor();
    expect(await page.getByRole('table', { name: 'Fills' }).locator('tbody tr').count()).toBeGreaterThan(0);
    await shootFromTop(page, 'live-trading-stopped');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('runs two bots on the one connection, each with its own budget, listed side by side', async () => {
    const first = page.getByRole('region', { name: /^Bot sma-crossover on Demo/ });
    await first.waitFor();
    // Bot 1 again, with half the account; then a DCA bot beside it with the other quarter.
    const again = page.getByRole('form', { name: 'Start engine' });
    await again.getByLabel('This bot may spend').selectOption('share');
    await again.getByLabel('Share (%)').fill('50');
    await again.getByLabel('Replay speed (candles per second)').fill('1');
    await again.getByRole('button', { name: 'Start this bot again' }).click();
    await first.locator('[data-state="running"]').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'New bot' }).click();
    const form = page.getByRole('form', { name: 'Start engine' });
    await form.getByLabel('Strategy').selectOption('dca');
    await form.getByLabel('This bot may spend').selectOption('share');
    await form.getByLabel('Share (%)').fill('60');
    await form.getByRole('button', { name: 'Start bot' }).click();
    await form.getByRole('alert').getByText(/budgets would exceed the account/).waitFor({ timeout: 30_000 });
    await form.getByLabel('Share (%)').fill('25');
    await form.getByRole('button', { name: 'Start bot' }).click();
    await page.getByRole('region', { name: /^Bot dca on Demo/ }).locator('[data-state="running"]').waitFor({ timeout: 30_000 });
    const bots = page.getByRole('region', { name: 'Bots (2)' });
    await bots.getByText(/^25 %/).waitFor();
    await bots.getByText(/^50 %/).waitFor();
    // The list never widens the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shootFromTop(page, 'live-trading-two-bots');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
