import type { Clock } from '../../domain/clock.js';
import type { Dec } from '../../domain/money.js';
import type { Portfolio } from '../accounting/index.js';
import { allowedActions, transition, type EngineAction, type EngineState } from '../../domain/engine-state.js';
import type { RiskConfig } from '../risk.js';
import { cancelAndSettle, flattenPosition, type FlattenDeps } from './flatten.js';
import type { AccountFeedStatus, FlattenOutcome, ExchangeReachability } from '../../domain/engine-status.js';
import type { AccountBatch } from './account-feed.js';
import { describe } from './order-manager.js';
import { backoffDelay, classifyFault } from './fault-policy.js';
import type { EngineRecord, EngineStore } from './ports.js';
import type { Emit, TradingTickDeps } from './trading-tick.js';
import { BotLanes, type Lane, type LaneSpec } from './bot-lanes.js';
import type { PairList } from '../pairs/pair-list.js';
import type { EngineVenue } from './venue.js';
import type { PriceEvent } from '../../exchanges/simulated/price-feed.js';
import type { PriceTick } from './ticker-poller.js';
import type { FeedStatus } from './streaming-feed.js';

/**
 * One engine: its loop, lifecycle and error policy. Every transition goes through the state machine (domain/engine-state.ts)
 * first (refused → ConflictError, nothing changed), then is stored, then published.
 *
 * Fault policy (fault-policy.ts, docs/engine.md "Errors and recovery"): a transient exchange fault
 * starts an outage that the engine waits out with capped backoff for as long as it lasts (or until
 * `options.maxOutageMs`), reconciling its orders before the strategy acts again; what a human must
 * fix ends the engine at once; an unexpected error (a bug) is retried `maxConsecutiveFailures` times.
 */

export interface EngineRunnerDeps {
  record: EngineRecord;
  /** The bot's pairs at start (one for a single-pair bot), in list order (bot-lanes.ts). */
  lanes: readonly LaneSpec[];
  /**
   * A pair the feed brings that has no lane yet (a dynamic pair list took it in): its lane. Absent:
   * such candles are ignored (a bot's pairs are fixed).
   */
  openLane?: (symbol: string) => Promise<LaneSpec>;
  /** With a pair list: pairs that may hold a position at once. Default: all of them. */
  maxOpenTrades?: number;
  /** The bot's pair list (status shows its last build); absent for a single-pair bot. */
  pairList?: PairList;
  risk: RiskConfig;
  timeframeMs: number;
  /** Candles of history to feed the strategy before the first live one. */
  warmup: number;
  venue: EngineVenue;
  portfolio: Portfolio;
  engines: EngineStore;
  clock: Clock;
  /** Random source in [0, 1) for the backoff jitter. */
  random: () => number;
  emit: Emit;
  emitTransient: (type: string, payload: Readonly<Record<string, unknown>>) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  reconcileEveryMs?: number;
  /** How long an emergency flatten waits for each settle step (clock ms); default 10 s. */
  flattenSettleMs?: number;
  /** Called once the engine has fully stopped or failed, and its venue is closed. */
  onExit?: () => void;
  /** The bot's budget in quote, resolved at start (trading-tick.ts); absent: the whole account. */
  budgetQuote?: Dec;
  /** The account-level daily loss limit's shared book (trading-tick.ts). */
  account?: TradingTickDeps['account'];
  /** The account-level daily loss limit tripped in this bot: the caller stops the connection's other bots. */
  onAccountKill?: (reason: string) => void;
}

export interface StopRequest {
  reason: string;
  cancelOrders: boolean;
  flatten?: boolean;
  /** Keep the resume flag (process shutdown) instead of clearing it (a user's stop). */
  keepResume?: boolean;
  /** Store the reason as the engine's last error (kill switch). */
  recordAsError?: boolean;
  /** Emergency stop: retry the cancels until every order is settled (bounded), not just ask once. */
  settle?: boolean;
}

type Exit = { kind: 'stop'; request: StopRequest } | { kind: 'fail'; error: unknown } | { kind: 'abandon'; reason: string };

/** An exchange outage in progress: since when (clock ms), how many attempts failed, the last error. */
interface Outage {
  since: number;
  attempts: number;
  lastError: string;
}

const HEARTBEAT_PERSIST_MS = 5_000;

type NextEvent = { kind: 'candle'; event: PriceEvent | null } | { kind: 'tick'; tick: PriceTick | null } | { kind: 'account'; batch: AccountBatch | null };

export class EngineRunner {
  readonly #d: EngineRunnerDeps;
  readonly #lanes: BotLanes;
  readonly #abort = new AbortController();
  #exit: Exit | null = null;
  #failures = 0;
  /** False while a start that met an outage still owes the strategy its warm-up. */
  #warmedUp = true;
  #outage: Outage | null = null;
  #haltOrders = false;
  #lastHeartbeatSaved = 0;
  #done: Promise<void> = Promise.resolve();
  #lock: Promise<unknown> = Promise.resolve();
  #flattenOutcome: FlattenOutcome | null = null;
  /** A feed request or ticker request still running from an earlier step (see #nextEvent). */
  #pendingCandle: Promise<PriceEvent | null> | null = null;
  #pendingTick: Promise<PriceTick | null> | null = null;
  /** The order stream's batch still awaited from an earlier step. */
  #pendingAccount: Promise<AccountBatch | null> | null = null;
  #accountEnded = false;

  constructor(deps: EngineRunnerDeps) {
    this.#d = deps;
    if (deps.lanes.length === 0) throw new Error('a bot needs at least one pair');
    const common: Omit<TradingTickDeps, 'strategy' | 'market' | 'orders' | 'share'> = {
      strategyId: deps.record.strategy,
      risk: deps.risk,
      timeframeMs: deps.timeframeMs,
      exchange: deps.venue.exchange,
      portfolio: deps.portfolio,
      clock: deps.clock,
      emit: deps.emit,
      emitTransient: deps.emitTransient,
      ...(deps.reconcileEveryMs !== undefined ? { reconcileEveryMs: deps.reconcileEveryMs } : {}),
      ...(deps.budgetQuote !== undefined ? { budgetQuote: deps.budgetQuote } : {}),
      ...(deps.account !== undefined ? { account: deps.account } : {}),
      orderStreamLive: () => deps.venue.account?.streaming ?? false,
      ...(deps.venue.clock ? { venueClock: deps.venue.clock } : {}),
    };
    this.#lanes = new BotLanes({ common, ...(deps.maxOpenTrades !== undefined ? { maxOpenTrades: deps.maxOpenTrades } : {}) });
    for (const spec of deps.lanes) this.#lanes.add(spec);
  }

  /** The bot's budget in quote (resolved at start); undefined: the whole account. */
  get budgetQuote(): Dec | undefined {
    return this.#d.budgetQuote;
  }

  get record(): Readonly<EngineRecord> {
    return this.#d.record;
  }

  get state(): EngineState {
    return this.#d.record.state;
  }

  get pairList(): PairList | null {
    return this.#d.pairList ?? null;
  }

  get timeframeMs(): number {
    return this.#d.timeframeMs;
  }

  /** The bot's pairs, each with its market, orders and tick. */
  get lanes(): BotLanes {
    return this.#lanes;
  }

  get portfolio(): Portfolio {
    return this.#d.portfolio;
  }

  /** The last emergency flatten of this run, or null when none was requested. */
  get flattenOutcome(): FlattenOutcome | null {
    return this.#flattenOutcome;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Whether the exchange answers; while it does not, since when and why (status and UI). */
  get exchange(): ExchangeReachability {
    const o = this.#outage;
    return o ? { reachable: false, since: new Date(o.since).toISOString(), lastError: o.lastError, attempts: o.attempts } : { reachable: true, since: null, lastError: null, attempts: 0 };
  }

  /** A stop was requested: no new order may be sent (see halt.ts), except the wind-down's flatten. */
  get haltsOrders(): boolean {
    return this.#haltOrders;
  }

  /** Resolves when the engine has stopped or failed and released its venue. */
  get finished(): Promise<void> {
    return this.#done;
  }

  /**
   * Runs an action through the state machine, stores and publishes the new state. Serialized, and
   * validated before anything changes.
   */
  transition(action: EngineAction, changes: Partial<EngineRecord> = {}): Promise<EngineState> {
    const run = this.#lock.then(async () => {
      const from = this.#d.record.state;
      const to = transition(from, action);
      const record = this.#d.record;
      Object.assign(record, changes, { state: to, updatedAt: this.#iso() });
      await this.#d.engines.save(record);
      await this.#d.emit('engine.state', { from, to, action, lastError: record.lastError, allowedActions: allowedActions(to) });
      return to;
    });
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * From `starting`: reconcile, warm up, go `running`, then loop. Resolves once running; rejects with
   * the cause when the engine failed before it ran (after its `error` state is stored), so a start that
   * fails is answered as an error, never as a success. `finished` resolves when the loop has ended.
   */
  async begin(): Promise<void> {
    let running = false;
    let started!: () => void;
    const ran = new Promise<void>((resolve) => (started = () => ((running = true), resolve())));
    this.#done = this.#main(started);
    await Promise.race([ran, this.#done]);
    const exit = this.#exit;
    if (!running && exit?.kind === 'fail') throw exit.error;
  }

  async #main(started: () => void): Promise<void> {
    try {
      await this.#prepare();
      if (this.#exit === null) await this.transition('started', { startedAt: this.#iso(), lastError: null });
      started();
      if (this.#exit === null) await this.#loop();
    } catch (error) {
      this.#exit ??= { kind: 'fail', error };
    } finally {
      await this.#finish();
    }
  }

  /**
   * Reconciliation with the exchange before the first decision, then the strategy's warm-up. A
   * transient fault here does not fail the start (transient faults never end an engine): the engine
   * runs in an outage, and its first step reconciles and warms up before any candle is traded.
   */
  async #prepare(): Promise<void> {
    for (const lane of this.#lanes.all()) {
      await lane.orders.load();
      await lane.funding?.load();
    }
    this.#lanes.startBudget();
    try {
      await this.#reconcileAndWarmUp();
    } catch (error) {
      if (classifyFault(error) !== 'transient') throw error;
      this.#warmedUp = false;
      if ((await this.#outageStep(error)) === null) throw error;
    }
  }

  async #reconcileAndWarmUp(): Promise<void> {
    for (const lane of this.#lanes.all()) await this.#reconcileAndWarmUpLane(lane);
  }

  async #reconcileAndWarmUpLane(lane: Lane): Promise<void> {
    await lane.orders.reconcile();
    // A derivatives position changed while CTS was down (liquidated, closed by hand) is seen first.
    await lane.tick.reconcilePosition();
    const warmup = this.#d.warmup;
    lane.tick.warmUp(warmup > 0 ? await this.#d.venue.history(warmup, lane.symbol) : []);
  }

  /**
   * The lane of the event's pair. A pair a dynamic list took in gets its lane here, once its orders are
   * reconciled and its strategy warmed up (a fault leaves it out: the next round asks again).
   */
  async #laneFor(symbol: string): Promise<Lane | null> {
    const known = this.#lanes.get(symbol);
    if (known || !this.#d.openLane) return known ?? null;
    const spec = await this.#d.openLane(symbol);
    const lane = this.#lanes.add(spec);
    try {
      await lane.orders.load();
      await lane.funding?.load();
      await this.#reconcileAndWarmUpLane(lane);
    } catch (error) {
      this.#lanes.remove(symbol);
      throw error;
    }
    await this.#d.emit('engine.pair_added', { symbol, lanes: this.#lanes.size });
    return lane;
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        if (this.#outage) await this.#recover();
        const next = await this.#nextEvent(signal);
        if (next.kind === 'tick') {
          if (next.tick === null) continue;
          const lane = this.#lanes.get(next.tick.symbol);
          if (lane) await lane.tick.onPrice(next.tick, this.state === 'running');
          this.#failures = 0;
          continue;
        }
        if (next.kind === 'account') {
          if (next.batch === null) {
            this.#accountEnded = true; // closed: never raced again
            continue;
          }
          for (const lane of this.#lanes.all()) await lane.tick.onOrderUpdates(next.batch, this.state === 'running');
          continue;
        }
        const event = next.event;
        if (event === null) {
          this.#exit ??= { kind: 'stop', request: { reason: 'the market data feed ended (replay finished)', cancelOrders: true } };
          return;
        }
        const lane = await this.#laneFor(event.symbol);
        if (lane === null) continue;
        const outcome = await lane.tick.run(event.candle, this.state === 'running', signal);
        this.#failures = 0;
        if (outcome.kill) {
          if (outcome.killScope === 'account') this.#d.onAccountKill?.(outcome.kill);
          this.#exit ??= { kind: 'stop', request: { reason: outcome.kill, cancelOrders: false, recordAsError: true } };
          return;
        }
        await this.#heartbeat();
      } catch (error) {
        if (signal.aborted) return;
        if (!(await this.#onFailure(error))) return;
      }
    }
  }

  /**
   * The next closed candle, or — while a pair needs watching between candles (ticker-poller.ts) — a
   * price, or a batch of the order stream's updates
   * (account-feed.ts), whichever comes first. Those that did not win stay pending for the next call,
   * so no candle, ticker answer or order update is lost or asked for twice.
   */
  async #nextEvent(signal: AbortSignal): Promise<NextEvent> {
    const candle = (this.#pendingCandle ??= this.#pending(this.#d.venue.feed.next(signal), () => (this.#pendingCandle = null)));
    const racers: Promise<NextEvent>[] = [candle.then((event) => ({ kind: 'candle' as const, event }))];
    const poller = this.#d.venue.ticks;
    const watched = () => this.#lanes.all().filter((l) => l.tick.wantsTicks).map((l) => l.symbol);
    if (poller && (this.#pendingTick !== null || watched().length > 0)) {
      const tick = (this.#pendingTick ??= this.#pending(poller.next(watched, signal), () => (this.#pendingTick = null)));
      racers.push(tick.then((t) => ({ kind: 'tick' as const, tick: t })));
    }
    const account = this.#d.venue.account;
    // Subscribed from the start: a market order's fill is pushed before its create is even answered.
    if (account && !this.#accountEnded) {
      const batch = (this.#pendingAccount ??= this.#pending(account.next(signal), () => (this.#pendingAccount = null)));
      racers.push(batch.then((b) => ({ kind: 'account' as const, batch: b })));
    }
    const first = await Promise.race(racers);
    if (first.kind === 'candle') this.#pendingCandle = null;
    else if (first.kind === 'tick') this.#pendingTick = null;
    else this.#pendingAccount = null;
    return first;
  }

  /** A request kept across steps: a failed one is forgotten (its error reaches the step awaiting it), so the next step asks again. */
  #pending<T>(request: Promise<T>, forget: () => void): Promise<T> {
    request.catch(forget);
    return request;
  }

  /**
   * The first step after an outage: reconcile open orders and fills with the exchange (orders may have
   * filled or been cancelled meanwhile) before the strategy sees another candle. It succeeding is the
   * proof that the exchange answers again.
   */
  async #recover(): Promise<void> {
    if (this.#warmedUp) {
      for (const lane of this.#lanes.all()) await lane.orders.reconcile();
    } else {
      await this.#reconcileAndWarmUp(); // the start met the outage before its warm-up
      this.#warmedUp = true;
    }
    const outage = this.#outage;
    this.#outage = null;
    if (!outage) return;
    const now = this.#d.clock.now();
    await this.#d.emit('engine.exchange_recovered', { since: new Date(outage.since).toISOString(), downMs: now - outage.since, attempts: outage.attempts });
  }

  /** Applies the fault policy to a failed step; returns whether to keep looping. */
  async #onFailure(error: unknown): Promise<boolean> {
    const kind = classifyFault(error);
    if (kind === 'fatal') {
      this.#exit ??= { kind: 'fail', error };
      return false;
    }
    const wait = kind === 'transient' ? await this.#outageStep(error) : await this.#bugStep(error);
    if (wait === null) return false;
    try {
      await this.#d.clock.sleep(wait, this.#abort.signal);
    } catch {
      return false; // aborted: a stop arrived while waiting
    }
    return true;
  }

  /**
   * A pair's candle request failed inside the multi-pair feed, which carries on and asks again next
   * round. A transient fault is an outage like any other (shown in status; once candles come again,
   * the next step reconciles every pair's orders first); any other is reported for that pair.
   */
  reportFeedFault(symbol: string | null, error: unknown): void {
    if (classifyFault(error) !== 'transient') {
      this.#d.emitTransient('engine.pair_read_failed', { symbol, error: describe(error) });
      return;
    }
    this.#openOutage(error)
      .then((ended) => {
        if (ended) this.#abort.abort(new Error('the exchange stayed unreachable longer than options.maxOutageMs'));
      })
      .catch(() => undefined);
  }

  /** The candle feed switched between the websocket and REST: shown in the event log and the status. */
  reportFeedMode(mode: 'stream' | 'poll', reason: string): void {
    this.#d.emit('engine.feed_changed', { mode, reason }).catch(() => undefined);
  }

  /** Where candles come from now, when the feed streams (null: REST polling only). */
  get feed(): Readonly<FeedStatus> | null {
    return this.#d.venue.feedStatus?.() ?? null;
  }

  reportAccountFeedMode(mode: 'stream' | 'poll', reason: string): void {
    this.#d.emit('engine.order_stream_changed', { mode, reason }).catch(() => undefined);
  }

  /** The order and trade stream, where the venue has one (null: REST syncs only). */
  get accountFeed(): Readonly<AccountFeedStatus> | null {
    return this.#d.venue.account?.status ?? null;
  }

  /** Opens or extends the outage; true when it outlasted `maxOutageMs` (the engine's exit is then set). */
  async #openOutage(error: unknown): Promise<boolean> {
    const now = this.#d.clock.now();
    const message = describe(error);
    const first = this.#outage === null;
    const outage = (this.#outage ??= { since: now, attempts: 0, lastError: message });
    outage.attempts++;
    outage.lastError = message;
    const since = new Date(outage.since).toISOString();
    if (first) await this.#d.emit('engine.exchange_unreachable', { since, error: message });
    const limit = this.#d.record.options.maxOutageMs ?? null;
    if (limit === null || now - outage.since < limit) return false;
    const text = `The exchange has been unreachable since ${since} (${outage.attempts} attempts, longer than options.maxOutageMs ${limit} ms); last: ${message}`;
    this.#exit ??= { kind: 'fail', error: new Error(text, { cause: error }) };
    return true;
  }

  /** A transient fault: open or extend the outage; the delay before the next attempt, or null when `maxOutageMs` ran out. */
  async #outageStep(error: unknown): Promise<number | null> {
    if (await this.#openOutage(error)) return null;
    const outage = this.#outage as Outage;
    const since = new Date(outage.since).toISOString();
    const message = outage.lastError;
    const delayMs = this.#backoff(outage.attempts, error);
    await this.#d.emit('engine.retry', { attempt: outage.attempts, delayMs, error: message, transient: true, unreachableSince: since });
    return delayMs;
  }

  /** An unexpected error: counted, and the engine fails after `maxConsecutiveFailures` in a row. */
  async #bugStep(error: unknown): Promise<number | null> {
    this.#failures++;
    const max = this.#d.record.options.maxConsecutiveFailures;
    if (this.#failures >= max) {
      this.#exit ??= { kind: 'fail', error: new Error(`${this.#failures} consecutive failures; last: ${describe(error)}`, { cause: error }) };
      return null;
    }
    const delayMs = this.#backoff(this.#failures, error);
    await this.#d.emit('engine.retry', { attempt: this.#failures, of: max, delayMs, error: describe(error), transient: false });
    return delayMs;
  }

  #backoff(attempt: number, error: unknown): number {
    return backoffDelay(attempt, error, { baseMs: this.#d.backoffBaseMs ?? 1_000, maxMs: this.#d.backoffMaxMs ?? 60_000, random: this.#d.random });
  }

  async #heartbeat(): Promise<void> {
    const now = this.#d.clock.now();
    if (now - this.#lastHeartbeatSaved < HEARTBEAT_PERSIST_MS) {
      this.#d.record.lastHeartbeatAt = this.#iso();
      return;
    }
    this.#lastHeartbeatSaved = now;
    this.#d.record.lastHeartbeatAt = this.#iso();
    await this.#d.engines.save(this.#d.record);
  }

  // ---- lifecycle requests ---------------------------------------------------------------------------------

  pause(): Promise<EngineState> {
    return this.transition('pause');
  }

  resume(): Promise<EngineState> {
    return this.transition('resume');
  }

  /** Validates and stores `stopping`, ends the loop, then winds down (orders per request) and stores `stopped`. */
  async stop(request: StopRequest): Promise<void> {
    transition(this.state, 'stop'); // an illegal stop is refused before anything changes
    // At once, before the stored transition: the running tick must not send another order meanwhile.
    this.#haltOrders = true;
    try {
      await this.transition('stop');
    } catch (error) {
      this.#haltOrders = false;
      throw error;
    }
    this.#exit = { kind: 'stop', request };
    this.#abort.abort(new Error(`stop: ${request.reason}`));
    await this.#done;
  }

  /**
   * The process lost the engine's lease (multi-process installations): another process owns it now,
   * so this one ends the loop and releases the venue WITHOUT storing a state, cancelling orders or
   * publishing a transition — all of that belongs to the new owner. Takes precedence over a stop.
   */
  abandon(reason: string): void {
    this.#exit = { kind: 'abandon', reason };
    this.#abort.abort(new Error(`abandoned: ${reason}`));
  }

  async #finish(): Promise<void> {
    const exit = this.#exit ?? { kind: 'stop', request: { reason: 'loop ended', cancelOrders: false } };
    try {
      if (exit.kind === 'abandon') return;
      if (exit.kind === 'fail') {
        await this.#fail(exit.error);
        return;
      }
      // The loop has ended, so no tick can send any more: the flatten's order is the only one allowed.
      if (exit.request.flatten) this.#haltOrders = false;
      await this.#windDown(exit.request);
    } finally {
      await this.#d.venue.close().catch(() => undefined);
      this.#d.onExit?.();
    }
  }

  async #fail(error: unknown): Promise<void> {
    const message = describe(error);
    await this.#d.emit('engine.error', { error: message });
    // A failure while stopping must not undo the stop: record it and finish stopping.
    if (this.state === 'stopping') await this.transition('stopped', { lastError: message, stoppedAt: this.#iso() });
    else await this.transition('fail', { lastError: message, resume: false, stoppedAt: this.#iso() });
  }

  async #windDown(request: StopRequest): Promise<void> {
    if (this.state !== 'stopping') await this.transition('stop');
    let problem: string | null = null;
    try {
      if (request.flatten) this.#flattenOutcome = await this.#flatten(request.reason);
      else if (request.cancelOrders && request.settle) {
        const left: string[] = [];
        for (const lane of this.#lanes.all()) left.push(...(await cancelAndSettle(this.#flattenDeps(lane), request.reason)));
        if (left.length > 0) {
          problem = `Emergency stop incomplete: ${left.join('; ')}; they are reconciled on the next start`;
          await this.#d.emit('engine.stop_problem', { error: problem });
        }
      } else if (request.cancelOrders) {
        for (const lane of this.#lanes.all()) {
          await lane.orders.cancelAll(request.reason);
          await lane.orders.sync();
        }
      }
    } catch (error) {
      problem = `While stopping: ${describe(error)}; open orders may remain and are reconciled on the next start`;
      await this.#d.emit('engine.stop_problem', { error: problem });
    }
    if (request.flatten && this.#flattenOutcome === null) await this.#flattenAborted(problem ?? 'the flatten did not run');
    const flat = this.#flattenOutcome;
    const flattenProblem = flat?.state === 'incomplete' ? `Flatten incomplete: ${this.#flattenLeft(flat)}` : null;
    await this.transition('stopped', {
      stoppedAt: this.#iso(),
      lastError: flattenProblem ?? problem ?? (request.recordAsError ? request.reason : this.#d.record.lastError),
      resume: request.keepResume ? this.#d.record.resume : false,
    });
    await this.#d.emit('engine.stopped', {
      reason: request.reason,
      cancelOrders: request.cancelOrders,
      flatten: request.flatten ?? false,
      ...(this.#flattenOutcome ? { flattenState: this.#flattenOutcome.state, remaining: this.#flattenOutcome.remaining } : {}),
    });
  }

  /** What an incomplete flatten left: one pair's remaining and why, or (several pairs) the reason that names each. */
  #flattenLeft(flat: FlattenOutcome): string {
    const only = this.#lanes.size === 1 ? this.#lanes.all()[0] : undefined;
    return only ? `${flat.remaining} ${only.market.base} remain — ${flat.reason ?? 'no reason known'}` : (flat.reason ?? 'no reason known');
  }

  /** The flatten procedure itself failed (storage, a bug): as loud as any other incomplete flatten. */
  async #flattenAborted(reason: string): Promise<void> {
    const held = this.#lanes.all().filter((lane) => !this.#d.portfolio.ledger(lane.symbol).quantity.isZero());
    const first = held[0] ?? this.#lanes.all()[0];
    const remaining = first ? this.#d.portfolio.ledger(first.symbol).quantity.toFixed() : '0';
    const left = held.map((lane) => `${this.#d.portfolio.ledger(lane.symbol).quantity.toFixed()} ${lane.market.base}`);
    const text = this.#lanes.size === 1 || left.length === 0 ? reason : `${left.join(', ')} remain — ${reason}`;
    this.#flattenOutcome = { state: 'incomplete', remaining, reason: text, at: this.#iso() };
    await this.#d.emit('engine.flatten_incomplete', { remaining, reason: text, at: this.#flattenOutcome.at });
  }

  /**
   * Emergency stop with flatten: every pair in turn is cancelled, settled, closed and verified
   * (./flatten.ts). One outcome for the bot: incomplete when any pair is, naming each one left.
   */
  async #flatten(reason: string): Promise<FlattenOutcome> {
    const outcomes: { lane: Lane; outcome: FlattenOutcome }[] = [];
    for (const lane of this.#lanes.all()) outcomes.push({ lane, outcome: await flattenPosition(this.#flattenDeps(lane), reason) });
    return combineFlattens(outcomes);
  }

  #flattenDeps(lane: Lane): FlattenDeps {
    return {
      market: lane.market,
      risk: this.#d.risk,
      orders: lane.orders,
      portfolio: this.#d.portfolio,
      exchange: this.#d.venue.exchange,
      clock: this.#d.clock,
      mark: lane.tick.mark,
      emit: this.#d.emit,
      ...(this.#d.flattenSettleMs !== undefined ? { settleMs: this.#d.flattenSettleMs } : {}),
    };
  }

  #iso(): string {
    return new Date(this.#d.clock.now()).toISOString();
  }
}

/**
 * The bot's flatten outcome from its pairs': `incomplete` when any pair is, with the first such pair's
 * remaining (signed, in its base) and a reason naming every pair left with what remains.
 */
export function combineFlattens(outcomes: readonly { lane: Pick<Lane, 'symbol' | 'market'>; outcome: FlattenOutcome }[]): FlattenOutcome {
  const only = outcomes.length === 1 ? outcomes[0] : undefined;
  if (only) return only.outcome;
  const incomplete = outcomes.filter((o) => o.outcome.state === 'incomplete');
  const at = outcomes.map((o) => o.outcome.at).filter((t): t is string => t !== null).sort().at(-1) ?? null;
  const first = incomplete[0];
  if (!first) return { state: outcomes.some((o) => o.outcome.state === 'flat') ? 'flat' : 'not_requested', remaining: '0', reason: null, at };
  const reason = incomplete.map(({ lane, outcome }) => `${lane.symbol}: ${outcome.remaining} ${lane.market.base} remain — ${outcome.reason ?? 'no reason known'}`).join('; ');
  return { state: 'incomplete', remaining: first.outcome.remaining, reason, at };
}
