import type { Clock } from '../../domain/clock.js';
import type { Candle } from '../../domain/candles.js';
import type { CandleStream, Exchange } from '../../exchanges/exchange.port.js';
import type { FeedStatus } from '../../domain/engine-status.js';
import type { PriceEvent, PriceFeed } from '../../exchanges/simulated/price-feed.js';

/**
 * Closed candles of one pair from the exchange's websocket (ccxt pro's `watchOHLCV`), with REST as
 * the fallback it switches to and back from by itself:
 *  - a candle is handed on once the engine's clock has passed its close and an update showing it
 *    arrived (the exchange's final update at the close, or the next candle's first one) — within a
 *    second of the close, instead of a tenth of the timeframe later as polling does;
 *  - a close the stream stays quiet about (no trades, a lagging exchange) is asked for over REST
 *    `settleMs` after it is due, so a quiet stream never delays a candle by more than that;
 *  - a stream that fails, or sends nothing for `silenceMs`, is dropped: the feed polls REST (missing
 *    nothing: it asks from the last candle it handed on) and subscribes again after a backoff
 *    (doubling to `backoffMaxMs`); candles missed while it was down are filled in over REST first;
 *  - each candle comes out once, in time order, whichever path brought it.
 */

export type { CandleStream };

export type FeedMode = FeedStatus['mode'];
export type { FeedStatus };

export interface StreamingFeedOptions {
  stream: CandleStream;
  rest: Pick<Exchange, 'fetchCandles'>;
  symbol: string;
  timeframe: string;
  timeframeMs: number;
  clock: Clock;
  /**
   * No update for this long: the stream is taken for dead. Default two timeframes and a minute (ccxt's
   * own ping/pong finds a dead socket sooner; a quiet market may send nothing for a while, and a
   * close the stream is quiet about comes over REST anyway).
   */
  silenceMs?: number;
  /** How long after a close the stream may take before REST is asked for the candle. Default 3 s. */
  settleMs?: number;
  /** REST polling period while the stream is down. Default a tenth of the timeframe, 1 s to 60 s. */
  pollMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A REST failure (the feed carries on; a transient one is the engine's outage to show). A stream's failure is a mode change, not an outage. */
  onError?: (error: unknown) => void;
  /** The feed switched between stream and REST. */
  onModeChange?: (mode: FeedMode, reason: string) => void;
}

type Wake = { kind: 'update'; candles: Candle[] } | { kind: 'timeout' };

export class StreamingCandleFeed implements PriceFeed {
  readonly #o: StreamingFeedOptions;
  readonly #silence: number;
  readonly #settle: number;
  readonly #poll: number;
  readonly #queue: Candle[] = [];
  #last = Number.NEGATIVE_INFINITY;
  #mode: FeedMode = 'stream';
  #failures = 0;
  #retryAt = 0;
  #lastMessageAt: number;
  #pumping = false;
  #latest: Candle[] | null = null;
  #version = 0;
  #seen = 0;
  #waiters: (() => void)[] = [];
  /** When REST was last asked (clock ms): a quiet stream's overdue close is asked for every settleMs, no faster. */
  #restAskedAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  /**
   * When the feed subscribed again after a failure (clock ms), until the new subscription is
   * confirmed: the status says 'stream' only once an update arrived or it held for settleMs, so an
   * outage's failing retries do not flip it back and forth.
   */
  #resubscribedAt: number | null = null;
  readonly #status: FeedStatus = { mode: 'stream', reconnects: 0, lastLagMs: null, lastStreamError: null };

  constructor(options: StreamingFeedOptions) {
    this.#o = options;
    this.#silence = options.silenceMs ?? 2 * options.timeframeMs + 60_000;
    this.#settle = options.settleMs ?? 3_000;
    this.#poll = options.pollMs ?? Math.min(60_000, Math.max(1_000, options.timeframeMs / 10));
    this.#lastMessageAt = options.clock.now();
  }

  get status(): Readonly<FeedStatus> {
    return this.#status;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    if (!Number.isFinite(this.#last)) await this.#start();
    while (!this.#closed) {
      const ready = this.#queue.shift();
      if (ready) return this.#handOn(ready);
      if (this.#mode === 'poll' && this.#o.clock.now() >= this.#retryAt) this.#resubscribe();
      if (this.#mode === 'stream') await this.#streamStep(signal);
      else await this.#pollStep(signal);
    }
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#o.stream.resetStreams().catch(() => undefined);
  }

  /** Where the feed starts: the latest closed candle (as polling does), over REST. */
  async #start(): Promise<void> {
    const { rest, symbol, timeframe } = this.#o;
    this.#take(await rest.fetchCandles({ symbol, timeframe, limit: 2 }), true);
  }

  async #streamStep(signal?: AbortSignal): Promise<void> {
    const restDue = Math.max(this.#nextClose() + this.#settle, this.#restAskedAt + this.#settle);
    const heldAt = this.#resubscribedAt === null ? Number.POSITIVE_INFINITY : this.#resubscribedAt + this.#settle;
    const deadline = Math.min(this.#lastMessageAt + this.#silence, restDue, heldAt);
    const wake = await this.#wait(deadline - this.#o.clock.now(), signal);
    if (wake.kind === 'update') {
      this.#lastMessageAt = this.#o.clock.now();
      this.#failures = 0;
      this.#confirm('an update arrived');
      // A reconnect (or a lost message) can skip candles: REST fills them in, in order.
      if (this.#take(wake.candles, false)) await this.#fill();
      return;
    }
    if (this.#o.clock.now() - this.#lastMessageAt >= this.#silence) {
      this.#drop(new Error(`no websocket update for ${Math.round(this.#silence / 1000)} s`));
      return;
    }
    if (this.#mode === 'stream' && this.#o.clock.now() >= heldAt) this.#confirm('the stream is subscribed again');
    if (this.#o.clock.now() < restDue) return;
    // The close is overdue and the stream said nothing of it (a quiet market): ask REST, then again every settleMs.
    await this.#fill();
  }

  async #pollStep(signal?: AbortSignal): Promise<void> {
    const got = await this.#fill();
    if (got > 0) return;
    const wait = Math.min(this.#poll, Math.max(0, this.#retryAt - this.#o.clock.now()));
    if (wait > 0) await this.#o.clock.sleep(wait, signal);
  }

  /**
   * The next stream update, a failure, or the deadline, whichever comes first. A ccxt watch only
   * answers messages that arrive while it is pending, so a pump keeps one pending all the time (a
   * close that arrives while the engine is busy with the last candle is never missed).
   */
  async #wait(ms: number, signal?: AbortSignal): Promise<Wake> {
    signal?.throwIfAborted();
    this.#startPump();
    const ready = this.#ready();
    if (ready) return ready;
    const timer = new AbortController();
    let onAbort: () => void = () => undefined;
    // A stop aborts the wait (as a feed's sleep does), so the engine's loop ends.
    const aborted = new Promise<never>((_, reject) => (onAbort = () => reject(signal?.reason ?? new Error('aborted'))));
    signal?.addEventListener('abort', onAbort, { once: true });
    let wake: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    this.#waiters.push(wake);
    try {
      const timeout = ms > 0 ? this.#o.clock.sleep(ms, timer.signal).catch(() => undefined) : Promise.resolve();
      await Promise.race([changed, timeout, aborted]);
      return this.#ready() ?? { kind: 'timeout' };
    } finally {
      timer.abort();
      signal?.removeEventListener('abort', onAbort);
      this.#waiters = this.#waiters.filter((w) => w !== wake);
    }
  }

  /** What the pump brought since the last look: the latest candles, or nothing (a failure switched the feed to REST already). */
  #ready(): Wake | null {
    if (this.#latest !== null && this.#version !== this.#seen) {
      this.#seen = this.#version;
      return { kind: 'update', candles: this.#latest };
    }
    return null;
  }

  #startPump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    const { stream, symbol, timeframe } = this.#o;
    const notify = () => {
      for (const w of this.#waiters.splice(0)) w();
    };
    void (async () => {
      try {
        while (!this.#closed && this.#mode === 'stream') {
          this.#latest = await stream.watchCandles({ symbol, timeframe });
          this.#version++;
          notify();
        }
      } catch (error) {
        // Dropped at once, not at the engine's next look: while the engine is busy elsewhere (an
        // outage's backoff), its status must not say the stream is up.
        if (this.#mode === 'stream' && !this.#closed) this.#drop(error);
        notify();
      } finally {
        this.#pumping = false;
      }
    })();
  }

  /** Asks REST from the last candle handed on; returns how many closed candles it brought. */
  async #fill(): Promise<number> {
    const { rest, symbol, timeframe } = this.#o;
    const before = this.#queue.length;
    this.#restAskedAt = this.#o.clock.now();
    try {
      this.#take(await rest.fetchCandles({ symbol, timeframe, since: this.#newest() + 1 }), true);
    } catch (error) {
      this.#o.onError?.(error);
    }
    return this.#queue.length - before;
  }

  /**
   * Queues the closed candles not handed on yet, in order. From the stream, an update that skips a
   * candle queues nothing and returns true (REST fills the gap in order); REST's own answer is taken
   * as it is (an exchange may have no candle for a minute without trades).
   */
  #take(candles: readonly Candle[], fromRest: boolean): boolean {
    const { timeframeMs, clock } = this.#o;
    const now = clock.now();
    const newest = this.#newest();
    const closed = [...candles].filter((c) => c.time > newest && c.time + timeframeMs <= now).sort((a, b) => a.time - b.time);
    if (!fromRest && Number.isFinite(newest)) {
      // A candle (closed or forming) beyond the next one means the next one closed unseen: REST has it.
      const first = closed[0]?.time ?? Math.min(...candles.map((c) => c.time).filter((t) => t > newest));
      if (Number.isFinite(first) && first > newest + timeframeMs) return true;
    }
    let last = newest;
    for (const candle of closed) {
      if (candle.time <= last) continue;
      this.#queue.push(candle);
      last = candle.time;
    }
    return false;
  }

  #newest(): number {
    return this.#queue.length > 0 ? (this.#queue.at(-1) as Candle).time : this.#last;
  }

  #nextClose(): number {
    const tf = this.#o.timeframeMs;
    return Number.isFinite(this.#last) ? this.#newest() + 2 * tf : Math.ceil(this.#o.clock.now() / tf) * tf;
  }

  #handOn(candle: Candle): PriceEvent {
    this.#last = candle.time;
    this.#status.lastLagMs = Math.max(0, this.#o.clock.now() - (candle.time + this.#o.timeframeMs));
    return { symbol: this.#o.symbol, candle };
  }

  #drop(error: unknown): void {
    this.#latest = null;
    this.#failures++;
    this.#status.reconnects++;
    this.#status.lastStreamError = error instanceof Error ? error.message : String(error);
    const base = this.#o.backoffBaseMs ?? 1_000;
    const max = this.#o.backoffMaxMs ?? 60_000;
    this.#retryAt = this.#o.clock.now() + Math.min(max, base * 2 ** Math.min(this.#failures - 1, 20));
    void this.#o.stream.resetStreams().catch(() => undefined);
    this.#mode = 'poll';
    this.#resubscribedAt = null;
    this.#report('poll', this.#status.lastStreamError);
  }

  #resubscribe(): void {
    this.#mode = 'stream';
    this.#lastMessageAt = this.#o.clock.now();
    this.#resubscribedAt = this.#o.clock.now();
  }

  #confirm(reason: string): void {
    if (this.#resubscribedAt === null) return;
    this.#resubscribedAt = null;
    this.#report('stream', reason);
  }

  #report(mode: FeedMode, reason: string): void {
    if (this.#status.mode === mode) return;
    this.#status.mode = mode;
    this.#o.onModeChange?.(mode, reason);
  }
}
