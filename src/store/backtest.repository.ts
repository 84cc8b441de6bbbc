import type { Kysely, Selectable } from 'kysely';
import type {
  BacktestKind,
  BacktestListItem,
  BacktestRecord,
  BacktestRepository,
  BacktestStatus,
  BacktestSummary,
} from '../engine/backtest/backtest-record.js';
import type { BacktestsTable, Database } from './schema.js';

type Row = Selectable<BacktestsTable>;
type Db = Kysely<Database>;

const LIST_COLUMNS = [
  'id',
  'kind',
  'status',
  'strategy',
  'symbol',
  'timeframe',
  'request',
  'summary',
  'error',
  'created_at',
  'started_at',
  'finished_at',
] as const;

/** Kysely implementation of the backtest repository, identical on SQLite and Postgres (JSON as text). */
export class SqlBacktestRepository implements BacktestRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(record: BacktestRecord): Promise<void> {
    await this.#db.insertInto('backtests').values(toRow(record)).execute();
  }

  async update(record: BacktestRecord): Promise<void> {
    const { id, kind: _kind, strategy: _strategy, request: _request, created_at: _created, ...rest } = toRow(record);
    await this.#db.updateTable('backtests').set(rest).where('id', '=', id).execute();
  }

  async findById(id: string): Promise<BacktestRecord | undefined> {
    const row = await this.#db.selectFrom('backtests').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...fromListRow(row), result: row.result === null ? null : (JSON.parse(row.result) as unknown) } : undefined;
  }

  async list(page: { limit: number; offset: number }): Promise<{ items: BacktestListItem[]; total: number }> {
    const countRow = await this.#db
      .selectFrom('backtests')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst();
    const rows = await this.#db
      .selectFrom('backtests')
      .select(LIST_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { items: rows.map(fromListRow), total: Number(countRow?.n ?? 0) };
  }

  async failUnfinished(reason: string, at: string): Promise<number> {
    const result = await this.#db
      .updateTable('backtests')
      .set({ status: 'failed', error: reason, finished_at: at })
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

function toRow(r: BacktestRecord): Row {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    strategy: r.strategy,
    symbol: r.symbol,
    timeframe: r.timeframe,
    request: JSON.stringify(r.request),
    summary: r.summary === null ? null : JSON.stringify(r.summary),
    result: r.result === null || r.result === undefined ? null : JSON.stringify(r.result),
    error: r.error,
    created_at: r.createdAt,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

function fromListRow(row: Omit<Row, 'result'>): BacktestListItem {
  return {
    id: row.id,
    kind: row.kind as BacktestKind,
    status: row.status as BacktestStatus,
    strategy: row.strategy,
    symbol: row.symbol,
    timeframe: row.timeframe,
    request: JSON.parse(row.request) as Record<string, unknown>,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as BacktestSummary),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
