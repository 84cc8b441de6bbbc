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

  it('runs a 5× perpetual on the bundled XRP/USDT:USDT data with its bundled funding and mark files, and shows the funding booked', async () => {
    await page.goto(`${server.url}/backtests`);
    const form = page.getByRole('form', { name: 'New backtest' });
    await form.waitFor();
    // A spot file asks nothing of a perpetual.
    expect(await form.getByLabel('Funding rates').count()).toBe(0);
    await form.getByLabel('Data file').selectOption('XRP_USDT_USDT-1h-futures.csv');
    // The pair's files from the catalog, with the time they cover, chosen by default.
    const funding = form.getByLabel('Funding rates');
    expect(await funding.inputValue()).toBe('XRP_USDT_USDT-8h-funding_rate.csv');
    expect(await funding.locator('option').allTextContents()).toEqual(['XRP_USDT_USDT-8h-funding_rate.csv — 91 rates every 8h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC', 'None (no funding)']);
    expect(await form.getByLabel('Mark prices').inputValue()).toBe('XRP_USDT_USDT-1h-mark.csv');
    await form.getByLabel('Strategy').selectOption('dca');
    await form.getByLabel('Interval candles', { exact: true }).fill('12');
    await form.getByLabel('Amount quote', { exact: true }).fill('200');
    await form.getByLabel('From (UTC)').fill('2021-11-18');
    const perpetual = form.getByRole('group', { name: 'Perpetual: leverage and margin' });
    await perpetual.getByLabel('Leverage').fill('5');
    await perpetual.getByLabel('Margin mode').selectOption('isolated');
    await form.getByLabel('Funding rates').scrollIntoViewIfNeeded();
    await screenshotBoth(page, 'backtests-perpetual-form', { fullPage: false });
    await form.getByRole('button', { name: 'Run backtest' }).click();
    await page.waitForURL(/\/backtests\/[0-9A-Z]+$/);

    const section = page.getByTestId('backtest-derivatives');
    await section.waitFor({ timeout: 60_000 });
    await section.getByRole('heading', { name: 'Perpetual · 5× isolated' }).waitFor();
    await section.getByText(/^Funding: XRP_USDT_USDT-8h-funding_rate\.csv \(91 rates every 8 h/).waitFor();
    const id = page.url().split('/').pop() ?? '';
    const stored = (await (await fetch(`${server.url}/api/backtests/${id}`)).json()) as {
      request: Record<string, unknown>;
      result: { derivatives: { funding: { count: number; net: string }; mark: { source: string | null } } };
    };
    expect(stored.request).toMatchObject({ risk: { leverage: '5', marginMode: 'isolated' }, funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' }, mark: { source: 'bundled', file: 'XRP_USDT_USDT-1h-mark.csv' } });
    const booked = stored.result.derivatives.funding;
    expect(booked.count).toBeGreaterThan(0);
    expect(stored.result.derivatives.mark.source).toBe('XRP_USDT_USDT-1h-mark.csv');
    // Every booked payment is listed in the panel.
    await section.getByText(`Funding payments (${booked.count})`).click();
    expect(await section.getByRole('table', { name: 'Funding payments' }).locator('tbody tr').count()).toBe(booked.count);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
