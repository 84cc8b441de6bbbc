import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionView } from '../../src/domain/connection.js';
import type { EnginePairView, EngineStatus } from '../../src/domain/engine-status.js';
import type { PositionSnapshot } from '../../src/domain/positions.js';
import { ROOT, VIEWPORTS, ensureUiBuilt, launchBrowser, screenshotBoth } from './support/browser.js';
import { describeSchema } from '../../src/engine/param-docs.js';
import { riskConfigSchema } from '../../src/engine/risk.js';

const RISK_DOCS = describeSchema(riskConfigSchema);

/**
 * The live page of a 50-pair bot in Chromium at phone width. The server cannot run a multi-pair bot
 * yet, so the built UI is served with fixture answers (page.route) instead of the real server: this
 * checks the layout (the pairs table scrolls inside its panel, the page never widens), not the API.
 */

const DIST = path.join(ROOT, 'web', 'dist');
const T = '2026-12-02T04:00:00.000Z';

const MAIN: ConnectionView = {
  id: 'main',
  name: 'Binance main',
  exchange: 'binance',
  marketTypes: ['spot'],
  mode: 'live',
  enabled: true,
  status: 'ok',
  apiKey: { mask: 'abcd…wxyz', fingerprint: '1f2e3d4c' },
  hasApiSecret: true,
  hasPassphrase: false,
  rateLimitTier: null,
  lastTestAt: T,
  lastTestResult: null,
  createdAt: T,
  updatedAt: T,
};

function fiftyPairBot(): EngineStatus {
  // Long names, so the table is wider than a phone.
  const symbols = Array.from({ length: 50 }, (_, i) => `LONGNAME${String(i + 1).padStart(2, '0')}/USDT`);
  const pairs: EnginePairView[] = symbols.map((symbol, i) => ({ symbol, role: i < 48 ? 'tradable' : 'managed', holdsSlot: i < 5, candlesProcessed: 500, lastPrice: `${i + 1}.123456`, lastCandleAt: T }));
  const positions: PositionSnapshot[] = symbols.slice(0, 5).map((symbol) => ({
    symbol,
    side: 'long',
    quantity: '12345.678901',
    dust: false,
    averageEntryPrice: '1.2345678',
    cost: '15241.5',
    realizedPnl: '-12.345678',
    unrealizedPnl: '123.456789',
    fees: '1.5',
    baseFees: '0',
    netPnl: '109.611111',
    markPrice: '1.25',
    markTime: T,
  }));
  return {
    id: 'multi',
    connectionId: 'main',
    budget: { quote: '5000' },
    budgetQuote: '5000',
    state: 'running',
    allowedActions: ['pause', 'stop'],
    strategy: 'sma-crossover',
    params: {},
    symbol: null,
    pairs: {
      pairList: { kind: 'dynamic', topN: 50, quote: 'USDT', refreshMs: 1_800_000, minQuoteVolume: '1000000', blacklist: ['BNB/*'] },
      maxOpenTrades: 5,
      openTrades: 5,
      builtAt: T,
      pairs,
      rejected: Array.from({ length: 30 }, (_, i) => ({ symbol: `REJECTED${i}/USDT`, reason: 'below the minimum 24 h quote volume of 1000000' })),
    },
    timeframe: '1h',
    risk: {},
    options: { cancelOrdersOnStop: true, cancelOrdersOnShutdown: false, resumeOnRestart: true, maxConsecutiveFailures: 5, maxOutageMs: null, replaySpeed: 10 },
    startedAt: T,
    stoppedAt: null,
    uptimeMs: 60_000,
    lastHeartbeatAt: T,
    lastError: null,
    resumeOnRestart: true,
    consecutiveFailures: 0,
    exchange: { reachable: true, since: null, lastError: null, attempts: 0 },
    feed: null,
    accountFeed: null,
    candlesProcessed: 25_000,
    lastPrice: null,
    positions,
    openOrders: [],
    pnl: { realizedPnl: '-61.72839', unrealizedPnl: '617.283945', fees: '7.5', netPnl: '548.055555', unpricedSymbols: [] },
    flatten: { state: 'not_requested', remaining: '0', reason: null, at: null },
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };

/** The built UI from web/dist (index.html for every page path) and fixture answers for the API. */
async function serve(route: Route, bot: EngineStatus): Promise<void> {
  const url = new URL(route.request().url());
  const json = (body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  const p = url.pathname;
  if (p.startsWith('/api/settings/connections')) return json({ items: [MAIN], total: 1, limit: 50, offset: 0 });
  if (p === '/api/trade-engine/status-all') return json({ items: [bot] });
  if (p === `/api/trade-engine/status/${bot.id}`) return json(bot);
  if (p.startsWith('/api/trade-engine/orders/') || p.startsWith('/api/trade-engine/trades/')) return json({ items: [] });
  if (p === '/api/trade-engine/strategies') return json({ items: [{ id: 'sma-crossover', name: 'SMA crossover', description: 'Crossover.', params: [] }] });
  if (p === '/api/trade-engine/risk-params') return json({ items: RISK_DOCS });
  if (p === '/api/trade-engine/events') return route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 60000\n\n' });
  if (p.startsWith('/api/')) return json({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no fixture for ${p}` }, 404);
  const file = path.join(DIST, p);
  const target = file.startsWith(DIST) && existsSync(file) && path.extname(file) !== '' ? file : path.join(DIST, 'index.html');
  return route.fulfill({ status: 200, contentType: TYPES[path.extname(target)] ?? 'application/octet-stream', body: readFileSync(target) });
}

describe('web UI: a 50-pair bot at phone width (Chromium, fixtures)', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const ORIGIN = 'http://cts.fixture';

  beforeAll(async () => {
    ensureUiBuilt();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORTS.phone });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const bot = fiftyPairBot();
    await page.route(`${ORIGIN}/**`, (route) => serve(route, bot));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const pageFits = (): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('scrolls the pairs table inside its panel and never widens the page', async () => {
    await page.goto(`${ORIGIN}/live/multi`);
    const table = page.getByRole('table', { name: 'Pairs of this bot' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(50);
    await page.getByTestId('pairs-summary').getByText(/^50 pairs · open trades 5 \/ 5 · list built at /).waitFor();
    await page.getByRole('region', { name: 'Bots (1)' }).getByRole('button', { name: 'sma-crossover · top 50 USDT' }).waitFor();
    const scroll = await table.evaluate((t) => {
      const box = t.parentElement as HTMLElement;
      return { wider: box.scrollWidth > box.clientWidth, taller: box.scrollHeight > box.clientHeight, right: box.getBoundingClientRect().right };
    });
    expect(scroll.wider).toBe(true);
    expect(scroll.taller).toBe(true);
    expect(scroll.right).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    expect(await pageFits()).toBe(true);

    await page.getByText('Rejected markets (30)').click();
    expect(await pageFits()).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar would otherwise land mid-page
    await screenshotBoth(page, 'live-trading-50-pairs');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('fits the start form for several pairs on a phone', async () => {
    await page.setViewportSize(VIEWPORTS.phone); // screenshotBoth leaves the desktop size
    await page.goto(`${ORIGIN}/live/new`);
    const form = page.getByRole('form', { name: 'Start engine' });
    await form.getByLabel('Several pairs').check();
    await form.getByLabel('Pairs', { exact: true }).fill('BTC/USDT ETH/BTC');
    await form.getByRole('button', { name: 'Start bot' }).click();
    await form.getByText('All pairs must share one quote currency; this list mixes USDT, BTC.').waitFor();
    expect(await pageFits()).toBe(true);
    await form.getByLabel('List kind').selectOption('dynamic');
    await form.getByLabel('Top N').waitFor();
    expect(await pageFits()).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshotBoth(page, 'live-trading-start-several-pairs');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
