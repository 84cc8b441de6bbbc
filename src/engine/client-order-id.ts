import { decodeTime, isValid, monotonicFactory, ulidToUUID, uuidToULID, type PRNG } from 'ulid';
import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { ValidationError } from '../domain/errors.js';
import type { ExchangeId } from '../domain/exchange-ids.js';

/**
 * Client order ids are generated locally (prefix + ULID) and persisted before an order is sent, so a
 * create that timed out can be looked up instead of re-sent. A ULID is 128 bits: 48 of time (so ids sort
 * by creation, which makes stores and logs readable) and 80 random (so two processes never collide).
 * Each exchange gets the ULID in a shape its field accepts; the shape is fixed per exchange so that
 * reconciliation can recognise our own orders with `parseClientOrderId`.
 */

export interface ClientOrderIdFormat {
  /** The exchange's request field, for messages. */
  readonly field: string;
  readonly maxLength: number;
  /** What the exchange accepts (our ids are a strict subset). */
  readonly pattern: RegExp;
  /** How the id is built: `dash` = prefix-ULID, `plain` = prefixULID, `gate` = t-prefixULID, `uuid` = ULID as UUID. */
  readonly shape: 'dash' | 'plain' | 'gate' | 'uuid';
}

const ULID_LENGTH = 26;

export const CLIENT_ORDER_ID_FORMATS: Readonly<Record<ExchangeId, ClientOrderIdFormat>> = {
  // Binance spot/futures: newClientOrderId, documented regex ^[.A-Z:/a-z0-9_-]{1,36}$.
  binance: { field: 'newClientOrderId', maxLength: 36, pattern: /^[.A-Z:/a-z0-9_-]{1,36}$/, shape: 'dash' },
  // Bybit v5: orderLinkId up to 36 chars of letters, digits, '-' and '_'.
  bybit: { field: 'orderLinkId', maxLength: 36, pattern: /^[A-Za-z0-9_-]{1,36}$/, shape: 'dash' },
  // OKX: clOrdId up to 32 case-sensitive alphanumerics.
  okx: { field: 'clOrdId', maxLength: 32, pattern: /^[A-Za-z0-9]{1,32}$/, shape: 'plain' },
  // Kraken spot: cl_ord_id is a long UUID, a short UUID or free text of at most 18 chars; a ULID only fits as a UUID.
  kraken: {
    field: 'cl_ord_id',
    maxLength: 36,
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    shape: 'uuid',
  },
  // Coinbase Advanced Trade: client_order_id is free text (a duplicate returns the existing order); kept short and plain.
  coinbase: { field: 'client_order_id', maxLength: 36, pattern: /^[A-Za-z0-9_-]{1,36}$/, shape: 'dash' },
  // HTX spot: client-order-id up to 64 chars; alphanumerics are the conservative subset.
  htx: { field: 'client-order-id', maxLength: 64, pattern: /^[A-Za-z0-9]{1,64}$/, shape: 'plain' },
  // Gate v4: `text` must start with "t-" and holds 28 bytes after it, but ccxt 4.5.84 refuses more than
  // 28 characters including the "t-": "t-" + ULID is exactly 28, so Gate ids carry no prefix.
  gate: { field: 'text', maxLength: 28, pattern: /^t-[A-Za-z0-9]{26}$/, shape: 'gate' },
};

export const DEFAULT_CLIENT_ORDER_ID_PREFIX = 'ct';
const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;

export interface ClientOrderIdGeneratorOptions {
  exchange: ExchangeId;
  /** Letters and digits, starting with a letter; ignored by Kraken (UUID only) and Gate (no room). Default `ct`. */
  prefix?: string;
  /** Time source for the ULID's time part; default Date.now. */
  clock?: Pick<Clock, 'now'>;
  /** Random source in [0, 1); default a cryptographic one. Injected only by tests. */
  random?: PRNG;
}

/** The longest prefix `exchange` leaves room for next to a ULID (Kraken and Gate: none). */
export function maxPrefixLength(exchange: ExchangeId): number {
  const format = CLIENT_ORDER_ID_FORMATS[exchange];
  switch (format.shape) {
    case 'dash':
      return format.maxLength - ULID_LENGTH - 1;
    case 'plain':
      return format.maxLength - ULID_LENGTH;
    case 'gate':
      return 0;
    case 'uuid':
      return 0;
  }
}

/** Generates ids that are unique, increasing (even within one millisecond) and valid for one exchange. */
export class ClientOrderIdGenerator {
  readonly #format: ClientOrderIdFormat;
  readonly #prefix: string;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #ulid: (seedTime?: number) => string;

  constructor(options: ClientOrderIdGeneratorOptions) {
    this.#format = CLIENT_ORDER_ID_FORMATS[options.exchange];
    this.#prefix = options.prefix ?? DEFAULT_CLIENT_ORDER_ID_PREFIX;
    validatePrefix(options.exchange, this.#prefix);
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#ulid = options.random ? monotonicFactory(options.random) : monotonicFactory();
  }

  get prefix(): string {
    return this.#prefix;
  }

  next(): string {
    return formatClientOrderId(this.#format.shape, this.#prefix, this.#ulid(this.#clock.now()));
  }
}

function validatePrefix(exchange: ExchangeId, prefix: string): void {
  const max = maxPrefixLength(exchange);
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(`Expected the client order id prefix to be letters and digits starting with a letter, got "${prefix}"`, [
      { path: 'prefix', message: 'letters and digits, starting with a letter' },
    ]);
  }
  if (max > 0 && prefix.length > max) {
    throw new ValidationError(
      `Expected the client order id prefix for ${exchange} to be at most ${max} characters (the ${CLIENT_ORDER_ID_FORMATS[exchange].field} field holds ${CLIENT_ORDER_ID_FORMATS[exchange].maxLength}), got "${prefix}"`,
      [{ path: 'prefix', message: `at most ${max} characters` }],
    );
  }
}

function formatClientOrderId(shape: ClientOrderIdFormat['shape'], prefix: string, ulid: string): string {
  switch (shape) {
    case 'dash':
      return `${prefix}-${ulid}`;
    case 'plain':
      return `${prefix}${ulid}`;
    case 'gate':
      return `t-${ulid}`;
    case 'uuid':
      // Lower-case hex keeps the ULID's sort order and matches Kraken's documented examples.
      return ulidToUUID(ulid).toLowerCase();
  }
}

export function isValidClientOrderId(exchange: ExchangeId, id: string): boolean {
  const format = CLIENT_ORDER_ID_FORMATS[exchange];
  return id.length <= format.maxLength && format.pattern.test(id);
}

export interface ParsedClientOrderId {
  prefix: string;
  ulid: string;
  /** When the id was generated, ms since the epoch. */
  time: number;
}

/**
 * Recognises an id this module generated for `exchange` (for reconciliation: an open order whose id we
 * made but do not know locally was lost between "sent" and "stored"). Returns null for foreign ids.
 */
export function parseClientOrderId(exchange: ExchangeId, id: string): ParsedClientOrderId | null {
  const shape = CLIENT_ORDER_ID_FORMATS[exchange].shape;
  let prefix: string;
  let ulid: string;
  if (shape === 'uuid') {
    if (!CLIENT_ORDER_ID_FORMATS.kraken.pattern.test(id)) return null;
    prefix = '';
    ulid = uuidToULID(id);
  } else {
    const body = shape === 'gate' ? (id.startsWith('t-') ? id.slice(2) : null) : id;
    if (body === null || body.length < ULID_LENGTH || (shape !== 'gate' && body.length === ULID_LENGTH)) return null;
    ulid = body.slice(-ULID_LENGTH);
    const head = body.slice(0, -ULID_LENGTH);
    prefix = shape === 'dash' ? (head.endsWith('-') ? head.slice(0, -1) : '') : head;
    // Gate ids have no prefix (ids made before they lost it still parse, with theirs).
    if (!(shape === 'gate' && prefix === '') && !PREFIX_PATTERN.test(prefix)) return null;
  }
  if (!isValid(ulid)) return null;
  return { prefix, ulid, time: decodeTime(ulid) };
}

const ENGINE_TAG_LENGTH = 5;

/**
 * The client order id prefix of one engine: `c` and five characters of a hash of its id. It fits every
 * exchange that has room for a prefix (OKX leaves six), so a restarted engine recognises an order it
 * sent but never stored, and never takes one of another engine's on the same account for its own.
 * Kraken and Gate leave no room: there only the stored orders tell engines apart.
 */
export function engineOrderPrefix(engineId: string): string {
  const digest = createHash('sha256').update(engineId).digest();
  return `c${digest.readUIntBE(0, 6).toString(36).padStart(ENGINE_TAG_LENGTH, '0').slice(-ENGINE_TAG_LENGTH)}`;
}

/**
 * Who made a client order id: `engine` (it carries `enginePrefix`), `cts` (made by CTS, but not
 * provably by this engine: another engine, a build before engine tags, or an exchange without room
 * for a tag), or `foreign` (a person or another program).
 */
export function clientOrderIdOrigin(exchange: ExchangeId, id: string | null, enginePrefix: string): 'engine' | 'cts' | 'foreign' {
  if (id === null) return 'foreign';
  const parsed = parseClientOrderId(exchange, id);
  if (!parsed) return 'foreign';
  if (parsed.prefix !== '' && parsed.prefix === enginePrefix && maxPrefixLength(exchange) >= enginePrefix.length) return 'engine';
  return 'cts';
}
