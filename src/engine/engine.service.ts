import { systemClock, type Clock } from '../domain/clock.js';
import type { ConnectionView, Credentials } from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { ConflictError, NotFoundError, NotImplementedError, ValidationError } from '../domain/errors.js';
import type { ConnectionMode, ExchangeId } from '../domain/exchange-ids.js';
import { monotonicFactory } from 'ulid';
import { Dec, ZERO, toDecimalString } from '../domain/money.js';
import { displayDecimal } from '../domain/decimal-display.js';
import { Portfolio } from './accounting/index.js';
import { ClientOrderIdGenerator, clientOrderIdOrigin, engineOrderPrefix } from './client-order-id.js';
import { AccountLossBook, isDerivative, type RiskConfig } from './risk.js';
import { EngineResumer, testFailure } from './engine-resume.js';
import { isActive, transition, type EngineState } from '../domain/engine-state.js';
import type { EngineEventBus } from './events/event-bus.js';
import { describeOwner, type EngineLease, type EngineOwnership } from './ownership.js';
import { ConnectionNotTestedError, checkConnection, checkStrategyAndRisk, checkTimeframe, pickMarket } from './runtime/engine-config.js';
import { DEFAULT_ENGINE_OPTIONS, startEngineSchema, type StartEngineInput } from '../domain/engine-start.js';
import { EngineRunner } from './runtime/engine-runner.js';
import { fenceEngineStore, fenceExchange, fenceOrderStore } from './runtime/fenced.js';
import { haltableExchange } from './runtime/halt.js';
import { applyFill } from './runtime/fill-applier.js';
import { buildStatus } from './runtime/engine-status.js';
import type { EngineStatus, FlattenOutcome } from '../domain/engine-status.js';
import { markingEngineStore } from './runtime/marks-store.js';
import type { LaneSpec } from './runtime/bot-lanes.js';
import { checkFirstBuild, checkPairsRequest, describePairs, pairsLabel, refuseInformative, roundPairs } from './runtime/bot-pairs.js';
import { PairList } from './pairs/pair-list.js';
import { DEFAULT_MIN_GAP_MS, maxPairsPerRound } from './pairs/multi-pair-feed.js';
import { FundingBook } from './runtime/funding-book.js';
import { OrderManager } from './runtime/order-manager.js';
import type { EngineRecord, EngineStore, OrderStore } from './runtime/ports.js';
import type { EngineEvent } from '../domain/engine-events.js';
import type { EngineBudget } from '../domain/engine-status.js';
import type { FillRecord, OrderRecord, StoredOrderStatus } from '../domain/orders.js';
import type { DerivativesSettings, Exchange, Market } from '../exchanges/exchange.port.js';
import type { VenueFactory } from './runtime/venue.js';
import type { StrategyRegistry } from './strategies/registry.js';

/**
 * The application layer of the trade engines (the HTTP routes are one line each over this). An engine
 * ("bot") has its own id; a connection runs any number of them, each within its budget. Implements
 * `ConnectionUsage` so a connection with a running engine cannot be deleted.
 */

export interface EngineConnections {
  get(id: string): Promise<ConnectionView>;
  credentialsFor(id: string): Promise<Credentials | undefined>;
}

export interface EngineServiceDeps {
  connections: EngineConnections;
  /** Re-tests a connection whose last test did not pass before a resume (ConnectionTestService); absent: no re-test. */
  connectionTests?: { test(id: string): Promise<ConnectionTestResult> };
  strategies: StrategyRegistry;
  venues: VenueFactory;
  engines: EngineStore;
  orders: OrderStore;
  events: EngineEventBus;
  /**
   * Multi-process installations: engines run only where their lease is held (docs/deployment.md).
   * Absent: this process owns every engine (single process; SQLite's data-dir lock guarantees it).
   */
  ownership?: EngineOwnership;
  clock?: Clock;
  random?: () => number;
  /** Tuning, mostly for tests. */
  settleMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  reconcileEveryMs?: number;
}

export class EngineService {
  readonly #d: EngineServiceDeps;
  readonly #clock: Clock;
  readonly #runners = new Map<string, EngineRunner>();
  /** The last emergency flatten of engines whose runner has exited (its lastError is stored too). */
  readonly #flattens = new Map<string, FlattenOutcome>();
  readonly #starting = new Set<string>();
  /** The connection of each engine being started (a new engine has no stored row yet). */
  readonly #startingOn = new Map<string, string>();
  readonly #leases = new Map<string, EngineLease>();
  readonly #resumer: EngineResumer;
  /** Today's PnL of the bots of each connection running here (the account-level daily loss limit). */
  readonly #accountBooks = new Map<string, AccountLossBook>();
  readonly #newId = monotonicFactory();
  /** Set by `shutdown`: no engine may start (and trade) while the process drains and exits. */
  #closed = false;

  constructor(deps: EngineServiceDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#resumer = new EngineResumer({
      engines: deps.engines,
      clock: this.#clock,
      random: deps.random ?? Math.random,
      start: (record) => this.#startForResume(record),
      emit: (id, type, payload) => this.#emitter(id)(type, payload),
      busy: (id) => {
        const runner = this.#runners.get(id);
        return runner !== undefined && isActive(runner.state);
      },
      retryInBackground: deps.ownership === undefined,
      ...(deps.backoffBaseMs !== undefined ? { backoffBaseMs: deps.backoffBaseMs } : {}),
      ...(deps.backoffMaxMs !== undefined ? { backoffMaxMs: deps.backoffMaxMs } : {}),
    });
  }

  get strategies(): StrategyRegistry {
    return this.#d.strategies;
  }

  /** Whether this process is starting or running the engine. */
  runsHere(engineId: string): boolean {
    const runner = this.#runners.get(engineId);
    return this.#starting.has(engineId) || (runner !== undefined && isActive(runner.state));
  }

  /** ConnectionUsage: an engine of the connection running (or due to run) anywhere blocks deleting it. */
  async isInUse(connectionId: string): Promise<boolean> {
    return (await this.activeEngine(connectionId)) !== null;
  }

  /**
   * ConnectionUsage: an engine holding the connection (starting, running, paused or stopping, here or
   * in another process), described for the person who must stop it; null when none does.
   */
  async activeEngine(connectionId: string): Promise<string | null> {
    for (const runner of this.#runners.values()) {
      if (runner.record.connectionId === connectionId && isActive(runner.state)) return `bot ${runner.record.id}: ${runner.record.strategy} on ${describePairs(runner.record)} (${runner.state})`;
    }
    for (const [id, connection] of this.#startingOn) if (connection === connectionId && this.#starting.has(id)) return `bot ${id}, being started on it (starting)`;
    if (!this.#d.ownership) return null;
    // Several processes: an engine may run in another one, or be due for takeover by one.
    for (const record of await this.#d.engines.byConnection(connectionId)) {
      if ((await this.#d.ownership.ownerElsewhere(record.id)) || isActive(record.state) || record.resume) {
        return `bot ${record.id}: ${record.strategy} on ${describePairs(record)} (${record.state}, in another process)`;
      }
    }
    return null;
  }

  /**
   * Validates everything, then starts; resolves once running. A start that fails rejects with the cause
   * (a refusal, or the exchange fault that failed the reconciliation), so the API answers an error
   * status; the engine is then stored in `error` with that cause.
   */
  async start(input: StartEngineInput): Promise<EngineStatus> {
    const request = startEngineSchema.parse(input);
    const id = request.engineId ?? this.#newId(this.#clock.now());
    const stored = request.engineId === undefined ? undefined : await this.#existing(request.engineId, request.connectionId);
    transition(this.#effectiveState(id, stored), 'start'); // refuses before anything changes
    if (this.#starting.has(id)) throw new ConflictError('This engine is already being started');
    this.#refuseWhenClosed();
    this.#resumer.cancel(id); // a start (a user's, or the resume itself) replaces a waiting resume
    this.#starting.add(id);
    this.#startingOn.set(id, request.connectionId);
    let launched = false;
    try {
      const lease = await this.#claim(id); // 409 naming the owner when another process runs it
      const connection = await this.#d.connections.get(request.connectionId);
      checkConnection(connection);
      const checked = checkStrategyAndRisk(request, this.#d.strategies);
      const pairs = checkPairsRequest(request, checked.timeframeMs);
      refuseInformative(checked.definition, checked.params);
      const credentials = connection.mode === 'live' || connection.mode === 'testnet' ? await this.#d.connections.credentialsFor(connection.id) : undefined;
      const portfolio = await this.#portfolio(id);
      const emit = connection.mode === 'replay' ? replayTimed(this.#emitter(id)) : this.#emitter(id);
      const where = `${connection.name} (${connection.exchange}, ${connection.mode})`;
      const self: { runner?: EngineRunner; list?: PairList; round?: (now: number) => Promise<readonly string[]> } = {};
      const label = pairs.kind === 'single' ? pairs.symbol : pairsLabel(pairs.config);
      const venue = await this.#d.venues({
        connection,
        credentials,
        symbol: label,
        timeframe: request.timeframe,
        timeframeMs: checked.timeframeMs,
        replaySpeed: request.options.replaySpeed,
        position: toDecimalString(portfolio.ledger(label).quantity),
        ...(portfolio.ledger(label).averageEntryPrice ? { entryPrice: toDecimalString(portfolio.ledger(label).averageEntryPrice as Dec) } : {}),
        ...(pairs.kind === 'list'
          ? {
              pairs: {
                quote: pairs.config.quote,
                positions: Object.fromEntries(portfolio.ledgers.filter((l) => !l.quantity.isZero()).map((l) => [l.symbol, toDecimalString(l.quantity)])),
                round: (now: number) => (self.round ? self.round(now) : Promise.resolve([])),
                onError: (symbol: string | null, error: unknown) => self.runner?.reportFeedFault(symbol, error),
              },
            }
          : {
              onFeedError: (symbol: string | null, error: unknown) => self.runner?.reportFeedFault(symbol, error),
              onFeedMode: (mode: 'stream' | 'poll', reason: string) => self.runner?.reportFeedMode(mode, reason),
            }),
        onAccountFeedMode: (mode: 'stream' | 'poll', reason: string) => self.runner?.reportAccountFeedMode(mode, reason),
      });
      let markets: Market[];
      let budgetQuote: Dec | undefined;
      try {
        checkTimeframe(venue.exchange.timeframes?.(), request.timeframe, where);
        const offered = await venue.exchange.loadMarkets();
        if (pairs.kind === 'single') markets = [pickMarket(offered, pairs.symbol, where)];
        else {
          const list = new PairList({ config: pairs.config, source: venue.marketData, clock: this.#clock });
          const snapshot = await list.refresh();
          checkFirstBuild(snapshot);
          // Pairs still held from an earlier run are managed (exits only) when the list left them out.
          const held = portfolio.ledgers.filter((l) => !l.quantity.isZero() && !snapshot.pairs.includes(l.symbol)).map((l) => l.symbol);
          markets = [...snapshot.pairs, ...held].flatMap((symbol) => offered.filter((m) => m.symbol === symbol));
          self.list = list;
        }
        if (connection.mode === 'live' || connection.mode === 'testnet') await this.#refuseSharedPerpetual(id, connection.id, markets);
        await setUpDerivatives(markets, venue.exchange, checked.risk, connection.mode);
        budgetQuote = await this.#checkBudget(id, connection.id, request.budget, venue.exchange, markets[0] as Market);
      } catch (error) {
        await venue.close();
        throw error;
      }
      const now = new Date(this.#clock.now()).toISOString();
      const record: EngineRecord = {
        id,
        connectionId: connection.id,
        budget: request.budget,
        strategy: checked.definition.id,
        params: checked.params,
        symbol: label,
        ...(pairs.kind === 'list' ? { pairList: pairs.config, maxOpenTrades: pairs.maxOpenTrades } : {}),
        timeframe: request.timeframe,
        risk: checked.risk,
        options: { ...DEFAULT_ENGINE_OPTIONS, ...request.options },
        state: this.#effectiveState(id, stored),
        startedAt: null,
        stoppedAt: null,
        lastHeartbeatAt: null,
        lastError: null,
        resume: request.options.resumeOnRestart,
        createdAt: stored?.createdAt ?? now,
        updatedAt: now,
        ...(stored?.marks ? { marks: stored.marks } : {}), // marks of earlier symbols stay known
      };
      // With a lease every write and order-changing call is fenced: a process that lost it stops dead.
      // After a stop request no new order leaves, even from the tick still running (haltableExchange).
      const exchange = haltableExchange(lease ? fenceExchange(venue.exchange, lease) : venue.exchange, () => self.runner?.haltsOrders ?? false);
      const enginePrefix = engineOrderPrefix(id);
      const exchangeId = connection.exchange as ExchangeId;
      const ids = new ClientOrderIdGenerator({ exchange: exchangeId, prefix: enginePrefix, clock: this.#clock });
      const store = lease ? fenceOrderStore(this.#d.orders, lease) : this.#d.orders;
      const laneFor = (market: Market): LaneSpec => ({
        market,
        strategy: checked.definition.create(checked.params),
        // A replay's payments are stamped with the replayed time: the book asks for them by that clock.
        funding: new FundingBook({ engineId: id, connectionId: connection.id, market, exchange, store, portfolio, clock: venue.clock ?? this.#clock, emit }),
        orders: new OrderManager({
          engineId: id,
          connectionId: connection.id,
          symbol: market.symbol,
          exchange,
          store,
          portfolio,
          ids,
          originOf: (clientOrderId) => clientOrderIdOrigin(exchangeId, clientOrderId, enginePrefix),
          sharesAccount: async () => (await this.#d.engines.byConnection(connection.id)).some((other) => other.id !== id),
          clock: this.#clock,
          emit,
          ...(this.#d.settleMs !== undefined ? { settleMs: this.#d.settleMs } : {}),
        }),
        ...(stored?.marks?.[market.symbol]?.trail ? { storedTrail: stored.marks[market.symbol]?.trail } : {}),
      });
      const list = self.list;
      const runner: EngineRunner = new EngineRunner({
        record,
        lanes: markets.map(laneFor),
        ...(list
          ? {
              pairList: list,
              maxOpenTrades: record.maxOpenTrades ?? markets.length,
              openLane: async (symbol: string) => laneFor(pickMarket(await venue.exchange.loadMarkets(), symbol, where)),
            }
          : {}),
        risk: checked.risk,
        timeframeMs: checked.timeframeMs,
        warmup: checked.warmup,
        // With a lease the runner's own orders (a flatten) go through the fenced exchange too; the
        // ticks, the streams and their status are the venue's as they are.
        venue: lease ? { ...venue, exchange } : venue,
        portfolio,
        // Every save carries the ticks' latest marks, so a stopped engine keeps valuing its positions.
        engines: markingEngineStore(
          lease ? fenceEngineStore(this.#d.engines, lease) : this.#d.engines,
          () => runner.lanes.all().map((lane) => lane.tick),
          () => {
            const own = this.#accountBook(connection.id).reportOf(id);
            return own ? { day: own.day, pnl: toDecimalString(own.pnl) } : undefined;
          },
        ),
        clock: this.#clock,
        random: this.#d.random ?? Math.random,
        emit,
        emitTransient: (type, payload) => this.#d.events.publishTransient({ engineId: id, type, payload, time: new Date(this.#clock.now()).toISOString() }),
        ...(this.#d.backoffBaseMs !== undefined ? { backoffBaseMs: this.#d.backoffBaseMs } : {}),
        ...(this.#d.backoffMaxMs !== undefined ? { backoffMaxMs: this.#d.backoffMaxMs } : {}),
        ...(this.#d.reconcileEveryMs !== undefined ? { reconcileEveryMs: this.#d.reconcileEveryMs } : {}),
        ...(budgetQuote !== undefined ? { budgetQuote } : {}),
        account: { engineId: id, book: this.#accountBook(connection.id), refresh: () => this.#refreshAccountBook(connection.id) },
        onAccountKill: (reason) => this.#stopSiblings(connection.id, id, reason),
        onExit: () => {
          if (this.#runners.get(id) !== runner) return;
          if (runner.flattenOutcome) this.#flattens.set(id, runner.flattenOutcome);
          this.#runners.delete(id);
          this.#dropLease(id); // after the final state was stored: then another process may take over
        },
      });
      if (list) {
        runner.lanes.setRoles(new Set(list.current?.pairs ?? []));
        self.round = roundPairs({ list, lanes: () => runner.lanes, capacity: maxPairsPerRound(checked.timeframeMs, DEFAULT_MIN_GAP_MS, 1_000), emit });
      }
      if (this.#closed) {
        await venue.close(); // shutdown began while this start was on its way
        this.#refuseWhenClosed();
      }
      self.runner = runner;
      this.#runners.set(id, runner);
      this.#flattens.delete(id);
      launched = true;
      await runner.transition('start');
      await runner.begin();
    } finally {
      this.#starting.delete(id);
      this.#startingOn.delete(id);
      if (!launched) this.#dropLease(id);
    }
    return this.status(id);
  }

  /**
   * The stored engine a start names, which must belong to the connection of the request; undefined
   * when none has that id yet (the start creates it under the caller's id, so a start retried after
   * a lost answer finds the bot it created instead of creating a second one).
   */
  async #existing(engineId: string, connectionId: string): Promise<EngineRecord | undefined> {
    const stored = this.#runners.get(engineId)?.record ?? (await this.#d.engines.find(engineId));
    if (!stored) return undefined;
    if (stored.connectionId !== connectionId) {
      throw new ValidationError(`Engine ${engineId} trades on connection ${stored.connectionId}, not ${connectionId}`, [{ path: 'engineId', message: 'belongs to another connection' }]);
    }
    return stored;
  }

  /**
   * Two bots never spend the same money: the budgets of the bots active on the connection and this
   * one's together must fit in what the account holds (its quote balance, plus what the active bots'
   * positions cost: that money is in base now). A bot without a budget takes the whole account, so it
   * runs alone. Returns this bot's budget in quote (undefined: the whole account).
   */
  async #checkBudget(id: string, connectionId: string, budget: EngineBudget | null, exchange: Exchange, market: Market): Promise<Dec | undefined> {
    const others = (await this.#d.engines.byConnection(connectionId)).filter((r) => r.id !== id && (this.runsHere(r.id) || isActive(r.state)));
    for (const [otherId, connection] of this.#startingOn) {
      if (otherId !== id && connection === connectionId && !others.some((o) => o.id === otherId)) {
        throw new ConflictError(`Bot ${otherId} is being started on this connection; start this one once it runs (budgets are checked against the running bots)`);
      }
    }
    if (budget === null && others.length === 0) return undefined;
    if (budget === null) {
      throw new ConflictError(`${others.length} other bot(s) run on this connection (${others.map((o) => o.id).join(', ')}): a bot without a budget would spend their money too; give it a budget ({ quote } or { sharePct })`);
    }
    const whole = others.find((o) => !o.budget);
    if (whole) throw new ConflictError(`Bot ${whole.id} runs on this connection without a budget (the whole account); stop it or restart it with a budget first`);
    const type = market.type;
    const quoteTotal = new Dec(
      (await exchange.fetchBalances()).find((b) => b.asset === market.quote && (b.marketTypes === undefined || b.marketTypes.includes(type)))?.total ?? '0',
    );
    const resolve = (b: EngineBudget): Dec => ('quote' in b ? new Dec(b.quote) : quoteTotal.mul(b.sharePct).div(100));
    const mine = resolve(budget);
    let claimed = mine;
    let invested = ZERO;
    // Spot positions were bought with the account's quote, so their cost counts back in; a perpetual's
    // position holds margin the wallet total still includes, so counting its cost again would let the
    // budgets claim money the account does not have.
    const spot = !isDerivative(market);
    for (const other of others) {
      claimed = claimed.add(this.#runners.get(other.id)?.budgetQuote ?? resolve(other.budget ?? budget));
      if (spot) invested = invested.add(positionCost(await this.#portfolio(other.id)));
    }
    const holds = quoteTotal.add(invested);
    if (claimed.gt(holds)) {
      const q = market.quote;
      throw new ConflictError(
        `The budgets would exceed the account: this bot's ${shown(mine)} ${q} and the running bots' ${shown(claimed.sub(mine))} ${q} come to ${shown(claimed)} ${q}, but the account holds ${shown(holds)} ${q} (${shown(quoteTotal)} ${q} free to trade and ${shown(invested)} ${q} in the running bots' positions)`,
      );
    }
    return mine;
  }

  /**
   * An exchange account holds one position per perpetual (one-way mode), and its leverage and margin
   * mode are per pair: a second bot on the same perpetual would re-set the first one's leverage, find
   * the exchange's position never matching its own books, and book the other bot's funding as its own.
   * So a perpetual is traded by one bot per account: refused while another bot of the connection is
   * active on it or its books still hold a position there.
   */
  async #refuseSharedPerpetual(id: string, connectionId: string, markets: readonly Market[]): Promise<void> {
    const perpetuals = new Set(markets.filter((m) => isDerivative(m)).map((m) => m.symbol));
    if (perpetuals.size === 0) return;
    for (const other of await this.#d.engines.byConnection(connectionId)) {
      if (other.id === id) continue;
      const active = this.runsHere(other.id) || isActive(other.state);
      const trades = new Set<string>(active ? botSymbols(other, this.#runners.get(other.id)?.lanes.all().map((l) => l.symbol)) : []);
      for (const ledger of (await this.#portfolio(other.id)).ledgers) if (!ledger.quantity.isZero()) trades.add(ledger.symbol);
      const shared = [...perpetuals].find((symbol) => trades.has(symbol));
      if (shared !== undefined) {
        throw new ConflictError(
          `Bot ${other.id} ${active ? 'trades' : 'still holds a position on'} ${shared} on this connection; the account has one position and one leverage per perpetual, so one bot trades it (stop that bot${active ? '' : ' and close its position'}, or use another account)`,
        );
      }
    }
  }

  #accountBook(connectionId: string): AccountLossBook {
    let book = this.#accountBooks.get(connectionId);
    if (!book) {
      book = new AccountLossBook();
      this.#accountBooks.set(connectionId, book);
    }
    return book;
  }

  /**
   * The connection's bots not running here count with what they stored today: bots of another
   * process, and bots that lost money today before this process started (or before they stopped).
   */
  async #refreshAccountBook(connectionId: string): Promise<void> {
    const book = this.#accountBook(connectionId);
    for (const record of await this.#d.engines.byConnection(connectionId)) {
      if (this.#runners.has(record.id) || !record.pnlToday) continue;
      book.report(record.id, record.pnlToday.day, new Dec(record.pnlToday.pnl));
    }
  }

  /** The account-level daily loss limit tripped in one bot: every other bot of the connection running here stops too. */
  #stopSiblings(connectionId: string, engineId: string, reason: string): void {
    for (const runner of this.#runners.values()) {
      if (runner.record.connectionId !== connectionId || runner.record.id === engineId || !isActive(runner.state)) continue;
      runner.stop({ reason, cancelOrders: true, recordAsError: true }).catch(() => undefined); // one already stopping keeps its own stop
    }
  }

  async stop(engineId: string, options: { cancelOpenOrders?: boolean } = {}): Promise<EngineStatus> {
    const runner = this.#runners.get(engineId);
    if (!runner) return this.#stopWithoutRunner(engineId, 'stop');
    await runner.stop({ reason: 'stopped by user', cancelOrders: options.cancelOpenOrders ?? runner.record.options.cancelOrdersOnStop });
    return this.status(engineId);
  }

  /** Cancel every open order, optionally close the position with a market order, stop. */
  async emergencyStop(engineId: string, options: { flatten?: boolean } = {}): Promise<EngineStatus> {
    const runner = this.#runners.get(engineId);
    if (!runner) {
      await this.#refuseEmergencyWithoutRunner(engineId, options.flatten ?? false);
      return this.#stopWithoutRunner(engineId, 'emergency-stop');
    }
    await runner.stop({ reason: 'emergency stop', cancelOrders: true, flatten: options.flatten ?? false, settle: true });
    return this.status(engineId);
  }

  /**
   * An emergency stop of an engine that does not run here cannot cancel or flatten anything: saying
   * "stopped" then would hide resting orders and an open position. Refuse, naming what remains.
   */
  async #refuseEmergencyWithoutRunner(engineId: string, flatten: boolean): Promise<void> {
    if (await this.#d.ownership?.ownerElsewhere(engineId)) return; // #stopWithoutRunner names the owner
    const live = (await this.#liveOrders(engineId)).length;
    const open = (await this.#portfolio(engineId)).ledgers.some((l) => !l.quantity.isZero());
    if (live === 0 && !(flatten && open)) return;
    const what = [live > 0 ? `${live} order(s) may rest on the exchange` : null, flatten && open ? 'a position is open' : null].filter(Boolean).join(' and ');
    throw new ConflictError(`The engine is not running, so this emergency stop can neither cancel nor flatten (${what}). Start the engine again (it reconciles with the exchange first) and then use emergency stop, or act on the exchange directly.`);
  }

  async pause(engineId: string): Promise<EngineStatus> {
    await (await this.#requireRunner(engineId, 'pause')).pause();
    return this.status(engineId);
  }

  async resume(engineId: string): Promise<EngineStatus> {
    await (await this.#requireRunner(engineId, 'resume')).resume();
    return this.status(engineId);
  }

  async status(engineId: string): Promise<EngineStatus> {
    const runner = this.#runners.get(engineId);
    if (runner) return buildStatus({ record: runner.record, runner, now: this.#clock.now(), openOrders: await this.#liveOrders(engineId) });
    const record = await this.#requireKnown(engineId);
    return buildStatus({
      record,
      portfolio: await this.#portfolio(engineId),
      now: this.#clock.now(),
      openOrders: await this.#liveOrders(engineId),
      ...(this.#flattens.has(engineId) ? { flatten: this.#flattens.get(engineId) } : {}),
    });
  }

  /** Every engine, or those of one connection (404 when that connection does not exist). */
  async statusAll(options: { connectionId?: string } = {}): Promise<EngineStatus[]> {
    if (options.connectionId !== undefined) await this.#d.connections.get(options.connectionId);
    const records = options.connectionId !== undefined ? await this.#d.engines.byConnection(options.connectionId) : await this.#d.engines.all();
    return Promise.all(records.map((r) => this.status(r.id)));
  }

  async positions(engineId: string): Promise<Pick<EngineStatus, 'id' | 'connectionId' | 'positions' | 'pnl'>> {
    const { id, connectionId, positions, pnl } = await this.status(engineId);
    return { id, connectionId, positions, pnl };
  }

  async orders(engineId: string, options: { status?: StoredOrderStatus; limit?: number } = {}): Promise<OrderRecord[]> {
    await this.#requireKnown(engineId);
    return this.#d.orders.listOrders(engineId, { ...(options.status ? { statuses: [options.status] } : {}), limit: options.limit ?? 500 });
  }

  async trades(engineId: string, options: { limit?: number } = {}): Promise<FillRecord[]> {
    await this.#requireKnown(engineId);
    return this.#d.orders.listFills(engineId, { limit: options.limit ?? 500 });
  }

  events(after: number, options: { limit: number; engineId?: string }): Promise<EngineEvent[]> {
    return this.#d.events.since(after, options);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.#d.events.subscribe(listener);
  }

  // ---- process lifecycle -------------------------------------------------------------------------------

  /**
   * Process start (and, with ownership, every takeover scan): engines whose process went away while
   * they ran are marked stopped (their owner is gone, so the state machine's history no longer
   * applies); those flagged `resume` start again, after the reconciliation every start does. With
   * ownership only engines whose lease this process wins are touched: the others run elsewhere.
   */
  async resumeAll(): Promise<void> {
    this.#closed = false; // a process start (tests restart one service in place after its shutdown)
    this.#resumer.reopen();
    for (const record of await this.#d.engines.all()) {
      const id = record.id;
      if (this.#runners.has(id) || this.#starting.has(id)) continue;
      if (!this.#d.ownership) {
        await this.#resumeOne(record, 'process_restarted');
        continue;
      }
      if (!record.resume && !isActive(record.state)) continue;
      const owner = await this.#d.ownership.ownerElsewhere(id);
      if (owner) continue;
      this.#starting.add(id);
      try {
        if (!(await this.#d.ownership.acquire(id).then((r) => (r.ok ? this.#keepLease(id, r.lease) : false)))) continue;
        // Read again under the lease: the previous owner may have written after the list was read.
        await this.#resumeOne((await this.#d.engines.find(id)) ?? record, 'owner_lost');
      } finally {
        this.#starting.delete(id);
        if (!this.#runners.has(id)) this.#dropLease(id);
      }
    }
  }

  async #resumeOne(record: EngineRecord, action: 'process_restarted' | 'owner_lost'): Promise<void> {
    if (isActive(record.state)) await this.#markOrphanStopped(record, action);
    if (record.resume) await this.#resumer.resume(record.id);
  }

  /** A resume's start: the full start, after a new connection test when the last one did not pass. */
  async #startForResume(record: EngineRecord): Promise<void> {
    const id = record.id;
    this.#starting.delete(id); // resumeAll marked it while taking the lease; the start below marks it again
    await this.#retestIfNeeded(record.connectionId);
    const pairs = record.pairList ? { pairList: record.pairList, ...(record.maxOpenTrades ? { maxOpenTrades: record.maxOpenTrades } : {}) } : { symbol: record.symbol };
    await this.start({ connectionId: record.connectionId, engineId: id, budget: record.budget ?? null, strategy: record.strategy, params: { ...record.params }, ...pairs, timeframe: record.timeframe, risk: { ...record.risk }, options: record.options });
  }

  /** A failed (or outdated) last test is not a verdict for ever: test again, and refuse with what the new test says. */
  async #retestIfNeeded(id: string): Promise<void> {
    const tests = this.#d.connectionTests;
    if (!tests) return;
    try {
      checkConnection(await this.#d.connections.get(id));
      return;
    } catch (error) {
      if (!(error instanceof ConnectionNotTestedError)) return; // the start refuses with the precise reason
    }
    const failure = testFailure(await tests.test(id));
    if (failure) throw failure;
  }

  /**
   * Process shutdown: stops every engine (orders per each engine's shutdown policy), keeping the resume
   * flag. Bounded by `timeoutMs` so a hung exchange call cannot hold the process past its supervisor's
   * patience; an engine still stopping then is treated as interrupted on the next start (reconciled).
   */
  async shutdown(timeoutMs = 7_000): Promise<void> {
    this.#closed = true;
    this.#resumer.cancelAll();
    const stops = [...this.#runners.values()].map(async (runner) => {
      try {
        await runner.stop({ reason: 'process shutdown', cancelOrders: runner.record.options.cancelOrdersOnShutdown, keepResume: true });
      } catch {
        await runner.finished; // already stopping: wait for it
      }
    });
    const bound = new AbortController();
    await Promise.race([Promise.all(stops), this.#clock.sleep(timeoutMs, bound.signal).catch(() => undefined)]);
    bound.abort();
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  #refuseWhenClosed(): void {
    if (this.#closed) throw new ConflictError('The process is shutting down: no engine can start now; start it again once the process is back');
  }

  /** A stored active state with no runner in this process is a leftover of a dead process: it counts as stopped. */
  #effectiveState(id: string, record: EngineRecord | undefined): EngineState {
    if (!record) return 'stopped';
    if (this.#runners.has(id)) return record.state;
    return isActive(record.state) ? 'stopped' : record.state;
  }

  async #markOrphanStopped(record: EngineRecord, action: 'process_restarted' | 'owner_lost' | 'stop'): Promise<void> {
    const from = record.state;
    Object.assign(record, { state: 'stopped', stoppedAt: new Date(this.#clock.now()).toISOString(), lastError: record.lastError ?? 'The process ended while the engine was running' });
    await this.#d.engines.save(record);
    await this.#emitter(record.id)('engine.state', { from, to: 'stopped', action });
  }

  async #stopWithoutRunner(engineId: string, action: 'stop' | 'emergency-stop'): Promise<EngineStatus> {
    const record = await this.#requireKnown(engineId);
    if (record && this.#resumer.cancel(engineId)) {
      // Waiting to resume (stopped, flag set): the stop is the user giving up on it.
      await this.#d.engines.save({ ...record, resume: false, lastError: null, updatedAt: new Date(this.#clock.now()).toISOString() });
      await this.#emitter(engineId)('engine.resume_cancelled', { action });
      return this.status(engineId);
    }
    if (this.#d.ownership && record && (isActive(record.state) || record.resume)) {
      // Its owner died and no process took it over yet: hold the lease so none does, record the stop.
      await this.#claim(engineId, action);
      try {
        record.resume = false;
        await this.#markOrphanStopped(record, 'stop');
      } finally {
        this.#dropLease(engineId);
      }
      return this.status(engineId);
    }
    const from = this.#effectiveState(engineId, record);
    const to = transition(from, 'stop'); // only `error → stopped` is legal without a running loop
    if (record) {
      await this.#d.engines.save({ ...record, state: to, updatedAt: new Date(this.#clock.now()).toISOString(), resume: false });
      await this.#emitter(engineId)('engine.state', { from, to, action: 'stop' });
    }
    return this.status(engineId);
  }

  async #requireRunner(engineId: string, action: 'pause' | 'resume'): Promise<EngineRunner> {
    const runner = this.#runners.get(engineId);
    if (runner) return runner;
    const owner = await this.#d.ownership?.ownerElsewhere(engineId);
    if (owner) throw new ConflictError(`Cannot ${action} here: the engine runs in ${describeOwner(owner)}; send the request to that process`);
    const record = await this.#requireKnown(engineId);
    transition(this.#effectiveState(engineId, record), action); // throws the precise 409
    throw new ConflictError(`Cannot ${action}: the engine is not running in this process`);
  }

  /** The engine's record; 404 when no engine has that id. */
  async #requireKnown(engineId: string): Promise<EngineRecord> {
    const record = this.#runners.get(engineId)?.record ?? (await this.#d.engines.find(engineId));
    if (!record) throw new NotFoundError(`No engine with id ${engineId}`);
    return record;
  }

  // ---- ownership (multi-process) ------------------------------------------------------------------------

  /** This process's lease on the engine (taken now if free); undefined without ownership. */
  async #claim(id: string, action = 'start'): Promise<EngineLease | undefined> {
    const ownership = this.#d.ownership;
    if (!ownership) return undefined;
    const held = this.#leases.get(id);
    if (held?.isValid()) return held;
    const result = await ownership.acquire(id);
    if (!result.ok) throw new ConflictError(`Cannot ${action} here: the engine runs in ${describeOwner(result.owner)}; send the request to that process (or wait until its lease expires if it is gone)`);
    this.#keepLease(id, result.lease);
    return result.lease;
  }

  #keepLease(id: string, lease: EngineLease): true {
    this.#leases.set(id, lease);
    lease.onLost(() => {
      if (this.#leases.get(id) === lease) this.#leases.delete(id);
      // Fencing: stop acting at once, store nothing; the new owner reconciles from the stored orders.
      this.#runners.get(id)?.abandon('this process lost the engine lease');
      this.#emitter(id)('engine.lease_lost', { owner: this.#d.ownership?.instanceId }).catch(() => undefined);
    });
    return true;
  }

  /** Forgets the lease at once (a later claim starts fresh) and gives it up in the background. */
  #dropLease(id: string): void {
    const lease = this.#leases.get(id);
    if (!lease) return;
    this.#leases.delete(id);
    lease.release().catch(() => undefined); // conditional on owner and token, so a late release is harmless
  }

  async #portfolio(engineId: string): Promise<Portfolio> {
    const portfolio = new Portfolio();
    for (const fill of await this.#d.orders.listFills(engineId)) applyFill(portfolio, fill);
    for (const payment of await this.#d.orders.listFunding(engineId)) portfolio.ledger(payment.symbol).applyFunding(payment);
    return portfolio;
  }

  #liveOrders(engineId: string): Promise<OrderRecord[]> {
    return this.#d.orders.listOrders(engineId, { statuses: ['pending_create', 'open', 'unknown'] });
  }

  #emitter(engineId: string): (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void> {
    return async (type, payload) => {
      await this.#d.events.publish({ engineId, type, payload, time: new Date(this.#clock.now()).toISOString() });
    };
  }
}

/** What a bot's positions cost (|quantity| × average entry), in quote: budget it spent and no longer holds as quote. */
function positionCost(portfolio: Portfolio): Dec {
  return portfolio.ledgers.reduce((sum, l) => sum.add(l.quantity.abs().mul(l.averageEntryPrice ?? ZERO)), ZERO);
}

/** The pairs a stored bot trades: its running lanes when known, else its one pair or its static list. */
function botSymbols(record: EngineRecord, lanes: readonly string[] | undefined): readonly string[] {
  if (lanes !== undefined) return lanes;
  if (record.pairList?.kind === 'static') return record.pairList.pairs;
  return record.pairList === undefined ? [record.symbol] : [];
}

/** A decimal as a message shows it (rounded for reading; the numbers checked are exact). */
function shown(value: Dec): string {
  return displayDecimal(toDecimalString(value));
}

/** Events whose times are the venue's: in replay the replayed time, which they say (`timeBasis: 'replay'`). */
const VENUE_TIMED_EVENTS = new Set(['fill', 'funding.booked', 'position.liquidated']);

function replayTimed(emit: (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>): (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void> {
  return (type, payload) => emit(type, VENUE_TIMED_EVENTS.has(type) ? { ...payload, timeBasis: 'replay' } : payload);
}

/**
 * Before the first order: every derivatives pair gets the bot's margin mode and leverage on the
 * account (isolated, 1× unless it says otherwise), read back from the exchange; what the exchange
 * reports instead stops the start, rather than trading on settings nobody chose. Leverage on a spot
 * pair is refused: it would be a number that changes nothing. Paper and replay set them on their
 * simulated margin account the same way (simulated-perpetual.ts), which refuses cross margin.
 */
async function setUpDerivatives(markets: readonly Market[], exchange: Exchange, risk: RiskConfig, mode: ConnectionMode): Promise<void> {
  const derivatives = markets.filter((m) => isDerivative(m));
  if (derivatives.length < markets.length && risk.leverage !== undefined && !new Dec(risk.leverage).eq(1)) {
    throw new ValidationError(`Leverage applies to derivatives only; ${markets.find((m) => !isDerivative(m))?.symbol ?? 'this pair'} is a spot market`, [{ path: `risk.leverage`, message: 'derivatives only' }]);
  }
  if (derivatives.length === 0) return;
  if ((mode === 'paper' || mode === 'replay') && markets.length > 1) {
    throw new ValidationError(`A ${mode} bot trades one perpetual on its own simulated margin account; a pair list of perpetuals is not simulated`, [{ path: 'pairList', message: 'one perpetual per paper or replay bot' }]);
  }
  const wanted: DerivativesSettings = { leverage: risk.leverage ?? '1', marginMode: risk.marginMode ?? 'isolated' };
  for (const market of derivatives) {
    if (!exchange.configureDerivatives) throw new ConflictError(`Derivatives trading on ${exchange.id} is not verified in CTS yet; ${market.symbol} cannot be traded (docs/exchanges.md)`);
    const { settings, refusals, positionMode } = await exchange.configureDerivatives(market.symbol, wanted).catch((error: unknown) => {
      if (error instanceof NotImplementedError) throw new ConflictError(`${error.message}; ${market.symbol} cannot be traded`);
      throw error;
    });
    if (positionMode === 'hedge') {
      throw new ConflictError(
        `The account is in hedge mode (a long and a short position per pair); CTS trades one-way positions only, so ${market.symbol} cannot be traded on it. Switch the account to one-way mode on the exchange (with no position or order open) and start again`,
      );
    }
    if (!new Dec(settings.leverage).eq(wanted.leverage) || settings.marginMode !== wanted.marginMode) {
      const why = refusals.length > 0 ? ` (the exchange refused: ${refusals.join('; ')})` : '';
      throw new ConflictError(
        `${market.symbol} on the account is ${settings.marginMode} at ${settings.leverage}×, not the ${wanted.marginMode} at ${wanted.leverage}× this bot asks for${why}; change it on the exchange (an open position or order may hold it) or start the bot with those settings`,
      );
    }
  }
}
