import { PostgresDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import pg from 'pg';
import { StorageUnavailableError } from '../domain/errors.js';

/** What the store knows about reaching its database right now (shown by `/readyz`). */
export interface StorageAvailability {
  readonly available: boolean;
  /** When the current outage was first seen (ISO), while unavailable. */
  readonly since?: string;
  /** The driver's reason for the last failure, while unavailable. */
  readonly reason?: string;
}

/**
 * Tracks outages from query outcomes: the first failure to reach the database opens an outage, the
 * next query that succeeds closes it. `onChange` fires on each transition only, so an outage is
 * logged once, not once per failing query.
 */
export class AvailabilityTracker {
  #since: number | undefined;
  #reason: string | undefined;

  constructor(private readonly onChange?: (state: StorageAvailability) => void) {}

  get state(): StorageAvailability {
    if (this.#since === undefined) return { available: true };
    return { available: false, since: new Date(this.#since).toISOString(), reason: this.#reason ?? 'unknown' };
  }

  failed(error: unknown): void {
    this.#reason = describe(error);
    if (this.#since !== undefined) return;
    this.#since = Date.now();
    this.onChange?.(this.state);
  }

  succeeded(): void {
    if (this.#since === undefined) return;
    this.#since = undefined;
    this.#reason = undefined;
    this.onChange?.(this.state);
  }
}

/**
 * SQLSTATEs meaning "the server is not there for us" rather than "this statement is wrong": class 08
 * (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
 * connections). https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function isUnavailableState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300');
}

/**
 * A statement the server refused arrives as pg's `DatabaseError` (with a SQLSTATE). The transport's
 * failures are socket errors (an errno `code`: ECONNREFUSED, ECONNRESET, …) and pg's own plain
 * `Error`s (connection terminated, connect timeout, client not queryable): the database was not
 * reached. A `TypeError` or other subclass is a bug in the query, never an outage.
 */
export function isStorageUnreachable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return isUnavailableState(error.code);
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || Object.getPrototypeOf(error) === Error.prototype;
}

/**
 * The Postgres dialect with outage handling: a query that cannot reach the database fails with
 * `StorageUnavailableError` (503 at the API, transient for the engines) and is recorded in the
 * tracker; the pool drops broken clients itself and dials again on the next query.
 */
export class GuardedPostgresDialect extends PostgresDialect {
  constructor(
    config: { pool: pg.Pool },
    private readonly guard: { tracker: AvailabilityTracker; location: string },
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return guardDriver(super.createDriver(), this.guard);
  }
}

function guardDriver(inner: Driver, guard: { tracker: AvailabilityTracker; location: string }): Driver {
  const guarded = new WeakSet<DatabaseConnection>();
  const translate = (error: unknown): unknown => {
    if (!isStorageUnreachable(error)) return error;
    guard.tracker.failed(error);
    return new StorageUnavailableError(`The database at ${guard.location} is unreachable: ${describe(error)}`, { cause: error });
  };
  const acquireInner = inner.acquireConnection.bind(inner);
  // Only acquisition is replaced: the driver's own transaction and release methods stay as they are.
  inner.acquireConnection = async (): Promise<DatabaseConnection> => {
    let connection: DatabaseConnection;
    try {
      connection = await acquireInner();
    } catch (error) {
      throw translate(error);
    }
    if (guarded.has(connection)) return connection;
    guarded.add(connection);
    // The driver keeps one connection object per pg client and hands it back to its own
    // transaction methods, so the object is kept and only its query method is wrapped.
    const execute = connection.executeQuery.bind(connection);
    connection.executeQuery = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      try {
        const result = await execute<R>(query);
        guard.tracker.succeeded();
        return result;
      } catch (error) {
        throw translate(error);
      }
    };
    return connection;
  };
  return inner;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
