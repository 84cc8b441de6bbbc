import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { pairListConfigSchema } from '../domain/pair-list-config.js';
import { decimalString } from '../domain/decimal-schema.js';
import { parseMarkBook } from '../engine/accounting/marks.js';
import { isEngineState } from '../domain/engine-state.js';
import type { EngineRecord, EngineStore, EventLog } from '../engine/runtime/ports.js';
import type { EngineEvent, NewEngineEvent } from '../domain/engine-events.js';
import type { EngineBudget, EngineOptions } from '../domain/engine-status.js';
import type { Database, EngineEventsTable, EnginesTable } from './schema.js';

type Db = Kysely<Database>;

/** Engines (several per connection) on SQLite and Postgres. */
export class SqlEngineRepository implements EngineStore {
  readonly #db: Db;
  readonly #onMalformed: ((engineId: string, problem: string) => void) | undefined;
  /** Each bad row is reported once per process, not on every status read. */
  readonly #reported = new Set<string>();

  /** `onMalformed` hears of each stored row that cannot be read (logged and published by the caller). */
  constructor(db: Db, options: { onMalformed?: (engineId: string, problem: string) => void } = {}) {
    this.#db = db;
    this.#onMalformed = options.onMalformed;
  }

  async save(record: EngineRecord): Promise<void> {
    const row = toRow(record);
    // An engine never moves to another connection: the key and the connection stay as first written.
    const { id: _id, connection_id: _connection, created_at: _created, ...changes } = row;
    await this.#db
      .insertInto('engines')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }

  async find(engineId: string): Promise<EngineRecord | undefined> {
    const row = await this.#db.selectFrom('engines').selectAll().where('id', '=', engineId).executeTakeFirst();
    return row ? this.#read(row) : undefined;
  }

  async all(): Promise<EngineRecord[]> {
    const rows = await this.#db.selectFrom('engines').selectAll().orderBy('connection_id').orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => this.#read(row));
  }

  async byConnection(connectionId: string): Promise<EngineRecord[]> {
    const rows = await this.#db.selectFrom('engines').selectAll().where('connection_id', '=', connectionId).orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => this.#read(row));
  }

  /**
   * One unreadable row (hand-edited, written by a broken build) must not take every engine down: it
   * reads as that engine in `error`, not to be resumed, with the bad field named in `lastError`.
   * Starting the engine again writes a whole new row.
   */
  #read(row: Selectable<EnginesTable>): EngineRecord {
    const problems: string[] = [];
    const record = fromRow(row, problems);
    if (problems.length === 0) return record;
    const problem = `The stored row of engine ${row.id} (connection ${row.connection_id}) is malformed: ${problems.join('; ')}`;
    if (!this.#reported.has(problem)) {
      this.#reported.add(problem);
      this.#onMalformed?.(row.id, problem);
    }
    return { ...record, state: 'error', resume: false, lastError: problem };
  }
}

/** Advisory lock key (with the schema's hash as the second key) serializing event appends on Postgres. */
const EVENT_APPEND_LOCK = 0x43545345;

/** The engine event log: append-only, read back by sequence for SSE catch-up. */
export class SqlEventLog implements EventLog {
  readonly #db: Db;
  readonly #postgres: boolean;

  constructor(db: Db) {
    this.#db = db;
    this.#postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * On Postgres several processes append at once, and a `serial` is handed out at insert, not at
   * commit: seq 11 could become visible before seq 10, and a reader resuming "after 11" would miss
   * 10 for good. So appends take a transaction-scoped advisory lock first: sequence order equals
   * commit order, and whoever sees seq N can read every seq below it (SSE catch-up and the
   * multi-process fan-out's gap filling rely on that). SQLite has a single writer already.
   */
  async append(event: NewEngineEvent): Promise<EngineEvent & { seq: number }> {
    if (!this.#postgres) return this.#insert(this.#db, event);
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_APPEND_LOCK)}, hashtext(current_schema()))`.execute(trx);
      return this.#insert(trx, event);
    });
  }

  async #insert(db: Db, event: NewEngineEvent): Promise<EngineEvent & { seq: number }> {
    const row = await db
      .insertInto('engine_events')
      .values({ engine_id: event.engineId, type: event.type, payload: JSON.stringify(event.payload), time: event.time })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return { ...event, seq: Number(row.seq) };
  }

  async since(after: number, options: { limit: number; engineId?: string }): Promise<(EngineEvent & { seq: number })[]> {
    let query = this.#db.selectFrom('engine_events').selectAll().where('seq', '>', after);
    if (options.engineId !== undefined) query = query.where('engine_id', '=', options.engineId);
    const rows = await query.orderBy('seq').limit(options.limit).execute();
    return rows.map(eventFromRow);
  }

  /** The latest sequence number (0 when empty). */
  async lastSeq(): Promise<number> {
    const row = await this.#db.selectFrom('engine_events').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
    return Number(row?.max ?? 0);
  }
}

function eventFromRow(row: Selectable<EngineEventsTable>): EngineEvent & { seq: number } {
  return { seq: Number(row.seq), engineId: row.engine_id, type: row.type, payload: JSON.parse(row.payload) as Record<string, unknown>, time: row.time };
}

function toRow(r: EngineRecord): EnginesTable {
  return {
    id: r.id,
    connection_id: r.connectionId,
    state: r.state,
    strategy: r.strategy,
    params: JSON.stringify(r.params),
    symbol: r.symbol,
    timeframe: r.timeframe,
    risk: JSON.stringify(r.risk),
    options: JSON.stringify(r.options),
    started_at: r.startedAt,
    stopped_at: r.stoppedAt,
    last_heartbeat_at: r.lastHeartbeatAt,
    last_error: r.lastError,
    resume: r.resume ? 1 : 0,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    marks: r.marks && Object.keys(r.marks).length > 0 ? JSON.stringify(r.marks) : null,
    budget: r.budget ? JSON.stringify(r.budget) : null,
    pair_list: r.pairList ? JSON.stringify({ config: r.pairList, maxOpenTrades: r.maxOpenTrades ?? null }) : null,
    pnl_today: r.pnlToday ? JSON.stringify(r.pnlToday) : null,
  };
}

function fromRow(row: Selectable<EnginesTable>, problems: string[]): EngineRecord {
  // A state this build does not know (written by a newer one) is shown as error rather than trusted.
  const state = isEngineState(row.state) ? row.state : 'error';
  const budget = readBudget(row.budget, problems);
  const pairs = readPairList(row.pair_list, problems);
  const pnlToday = readJsonColumn(row.pnl_today, 'pnl_today', storedPnlTodaySchema, 'is not { day, pnl }', problems);
  return {
    id: row.id,
    connectionId: row.connection_id,
    state,
    strategy: row.strategy,
    params: jsonObject(row, 'params', problems),
    symbol: row.symbol,
    timeframe: row.timeframe,
    risk: jsonObject(row, 'risk', problems),
    options: jsonObject(row, 'options', problems) as unknown as EngineOptions,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    lastHeartbeatAt: row.last_heartbeat_at,
    lastError: row.last_error,
    resume: Number(row.resume) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    // Marks only inform the PnL view: an unreadable value loses them, never the engine row.
    ...(row.marks ? { marks: parseMarkBook(row.marks) } : {}),
    ...(budget ? { budget } : {}),
    ...(pairs ? { pairList: pairs.config, maxOpenTrades: pairs.maxOpenTrades } : {}),
    ...(pnlToday ? { pnlToday } : {}),
  };
}

const storedPairListSchema = z.object({ config: pairListConfigSchema, maxOpenTrades: z.number().int().min(1).nullable() }).strict();

const storedPnlTodaySchema = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), pnl: decimalString({ what: 'pnl_today.pnl' }) }).strict();

const storedBudgetSchema = z.union([
  z.object({ quote: decimalString({ what: 'budget.quote', greaterThan: '0' }) }).strict(),
  z.object({ sharePct: z.number().gt(0).max(100) }).strict(),
]);

/** An unreadable budget must never read as "no budget" (the whole account): the row is reported malformed. */
function readBudget(text: string | null, problems: string[]): EngineBudget | null {
  return readJsonColumn(text, 'budget', storedBudgetSchema, 'is neither { quote } nor { sharePct }', problems);
}

/** An unreadable pair list must never run as a single-pair bot on its label: the row is reported malformed (state error, no resume). */
function readPairList(text: string | null, problems: string[]): z.infer<typeof storedPairListSchema> | null {
  return readJsonColumn(text, 'pair_list', storedPairListSchema, 'is not a pair list config', problems);
}

/** A nullable JSON column read through its schema; what does not parse is a problem of the row, and null. */
function readJsonColumn<T>(text: string | null, field: string, schema: z.ZodType<T>, notValid: string, problems: string[]): T | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`field \`${field}\` is not valid JSON (${(error as Error).message})`);
    return null;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(`field \`${field}\` ${notValid}`);
  return null;
}

function jsonObject(row: Selectable<EnginesTable>, field: 'params' | 'risk' | 'options', problems: string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(row[field]);
  } catch (error) {
    problems.push(`field \`${field}\` is not valid JSON (${(error as Error).message})`);
    return {};
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push(`field \`${field}\` is not a JSON object`);
  return {};
}
