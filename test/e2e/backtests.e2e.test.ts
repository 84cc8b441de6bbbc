import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server-process.js';
import { publishScreenshot, screenshotBoth } from './support/browser.js';
import { shootFromTop, useE2eSession } from './support/session.js';

/** Backtests in a real browser against the real server: run one on the bundled data, read the report, reopen it. */
describe('web UI: backtests (Chromium)', () => {
  const session = useE2eSession('cts-e2e-backtests-');
  const pageErrors = session.pageErrors;
  let server: ServerProcess;
  let page: Page;

  beforeAll(() => {
    ({ server, page } = session.current());
  });

  it('shows the form from the catalog, with no runs yet', async () => {
    await page.goto(`${server.url}/backtests`);
    await page.getByRole('heading', { level: 1, name: 'Backtests' }).waitFor();
    const form = page.getByRole('form', { name: 'New backtest' });
    await form.waitFor();
    expect(await form.getByLabel('Data file').inputValue()).toMatch(/\.csv$/);
    // Empty: the server starts a dollar-quoted pair with 1000 and asks for the balance of any other quote.
    expect(await form.getByLabel('Starting balance').inputValue()).toBe('');
    await page.getByText('No backtest yet.', { exact: false }).waitFor();

    // Checked before sending: a fee above the allowed 0.1.
    await form.getByLabel('Fee rate').fill('0.5');
    await form.getByText('Fee rate must be at most 0.1.').waitFor();
    await form.getByLabel('Fee rate').fill('0.001');
  }, 60_000);

  it('runs SMA crossover on the bundled data and shows the report', async () => {
    const form = page.getByRole('form', { name: 'New backtest' });
    await form.getByLabel('Strategy').selectOption('sma-crossover');
    await form.getByLabel('Fast', { exact: true }).fill('3');
    await form.getByLabel('Slow', { exact: true }).fill('8');
    // The first bundled file is a BTC-quoted pair: it has no default balance, so the server asks for one.
    await form.getByRole('button', { name: 'Run backtest' }).click();
    await form.getByText('required for a BTC-quoted pair').waitFor();
    await form.getByLabel('Starting balance').fill('1');
    await form.getByLabel('Size quote', { exact: true }).fill('0.1');
    await form.getByRole('button', { name: 'Run backtest' }).click();
    await page.waitForURL(/\/backtests\/[0-9A-Z]+$/);

    const report = page.getByTestId('backtest-report');
    await report.waitFor({ timeout: 60_000 });
    const metrics = report.getByRole('list', { name: 'Backtest metrics' }).or(report.locator('dl[aria-label="Backtest metrics"]'));
    for (const label of ['Net profit', 'Max drawdown', 'Win rate', 'Profit factor', 'Sharpe', 'Sortino', 'Exposure', 'Trades', 'Fees paid', 'Buy and hold']) {
      await metrics.getByText(label, { exact: true }).waitFor();
    }
    const id = page.url().split('/').pop() ?? '';
    const stored = (await (await fetch(`${server.url}/api/backtests/${id}`)).json()) as { result: { result: { tradeCount: number } } };
    const trades = report.getByRole('table', { name: 'Trades' });
    expect(await trades.locator('tbody tr').count()).toBe(stored.result.result.tradeCount);
    expect(stored.result.result.tradeCount).toBeGreaterThan(0);
    expect(Number(await report.locator('.chart').getAttribute('data-points'))).toBeGreaterThan(10);
    await shootFromTop(page, 'backtests');
    publishScreenshot('backtests-1280.png', 'backtests.png');
  }, 120_000);

  it('lists the run and reopens it from the list', async () => {
    const list = page.getByRole('list', { name: 'Past backtests' });
    const run = list.getByRole('button', { name: /sma-crossover/ });
    await run.getByText('Done').waitFor({ timeout: 30_000 });
    await page.goto(`${server.url}/backtests`);
    await page.getByText('No backtest open').waitFor();
    await page.getByRole('list', { name: 'Past backtests' }).getByRole('button', { name: /sma-crossover/ }).click();
    await page.getByTestId('backtest-report').waitFor();
  }, 60_000);

  it('shows a server refusal in plain words (range outside the data)', async () => {
    const form = page.getByRole('form', { name: 'New backtest' });
    await form.getByLabel('From (UTC)').fill('2030-01-01');
    await form.getByLabel('To (UTC, exclusive)').fill('2030-02-01');
    await form.getByRole('button', { name: 'Run backtest' }).click();
    const alert = form.getByRole('alert');
    await alert.getByText('No candles in the requested date range').waitFor({ timeout: 30_000 });
    // The server's field error lands on the field.
    await form.getByText('no data in range').waitFor();
    expect(await form.getByLabel('From (UTC)').getAttribute('aria-invalid')).toBe('true');
    await alert.scrollIntoViewIfNeeded();
    await screenshotBoth(page, 'backtests-error', { fullPage: false });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
