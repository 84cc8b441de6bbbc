import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';

/**
 * A wall-clock simulator closes candles at their boundaries on the websocket too: the hub's timer
 * sleeps until the next candle boundary instead of ticking on a period of its own, which could put
 * a closed kline out up to a whole candle late.
 */

const CANDLE_MS = 1_000;

let sim: RunningSimulator | undefined;
let socket: WebSocket | undefined;
afterEach(async () => {
  socket?.terminate();
  socket = undefined;
  await sim?.close();
  sim = undefined;
});

interface Kline {
  k: { t: number; T: number; x: boolean };
}

describe('wall-clock simulator websocket', () => {
  it('sends each closed kline within 200 ms of its candle boundary, and REST agrees it closed', async () => {
    // Started in the middle of a candle: a timer counting from the start would step half a candle late.
    const intoCandle = Date.now() % CANDLE_MS;
    await new Promise((r) => setTimeout(r, (CANDLE_MS * 1.5 - intoCandle) % CANDLE_MS));
    sim = await startSimulator({ wallClockMs: CANDLE_MS });
    const url = `${sim.url.replace('http://', 'ws://')}wss://stream.binance.com:9443/ws`;
    const closed: { openTime: number; closeTime: number; lateMs: number }[] = [];
    const ws = new WebSocket(url);
    socket = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const three = new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as Partial<Kline>;
        if (!message.k?.x) return;
        closed.push({ openTime: message.k.t, closeTime: message.k.T, lateMs: Date.now() - (message.k.T + 1) });
        if (closed.length === 3) resolve();
      });
    });
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1s'], id: 1 }));
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 6 * CANDLE_MS).unref());
    expect(await Promise.race([three, timeout])).not.toBe('timeout');

    for (const c of closed) {
      expect(c.openTime % CANDLE_MS).toBe(0);
      expect(c.closeTime).toBe(c.openTime + CANDLE_MS - 1);
      // Never before the boundary; within 200 ms after it even on a loaded machine (it was up to a candle).
      expect(c.lateMs).toBeGreaterThanOrEqual(0);
      expect(c.lateMs).toBeLessThan(200);
    }
    expect(closed.map((c) => c.openTime - (closed[0]?.openTime ?? 0))).toEqual([0, CANDLE_MS, 2 * CANDLE_MS]);

    // Binance's klines: [openTime, …]. REST's forming candle is the wall clock's current one, as the stream's is.
    const before = Math.floor(Date.now() / CANDLE_MS) * CANDLE_MS;
    const rows = (await (await fetch(`${sim.url}https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=2`)).json()) as [number, ...unknown[]][];
    const after = Math.floor(Date.now() / CANDLE_MS) * CANDLE_MS;
    const forming = rows.at(-1)?.[0] ?? Number.NaN;
    expect(forming).toBeGreaterThanOrEqual(before);
    expect(forming).toBeLessThanOrEqual(after);
  });

  it('refuses a wall-clock simulator given its own price source or step period', async () => {
    await expect(startSimulator({ wallClockMs: CANDLE_MS, autoStepMs: 500 })).rejects.toThrow(/takes neither/);
  });
});
