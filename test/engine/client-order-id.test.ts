import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { ValidationError } from '../../src/domain/errors.js';
import { EXCHANGE_IDS, type ExchangeId } from '../../src/domain/exchange-ids.js';
import {
  CLIENT_ORDER_ID_FORMATS,
  ClientOrderIdGenerator,
  clientOrderIdOrigin,
  engineOrderPrefix,
  isValidClientOrderId,
  maxPrefixLength,
  parseClientOrderId,
} from '../../src/engine/client-order-id.js';

/** The exchanges' documented field rules, written out here independently of the implementation. */
const DOCUMENTED: Record<ExchangeId, (id: string) => boolean> = {
  binance: (id) => /^[.A-Z:/a-z0-9_-]{1,36}$/.test(id),
  bybit: (id) => id.length <= 36 && /^[A-Za-z0-9_-]+$/.test(id),
  okx: (id) => id.length <= 32 && /^[A-Za-z0-9]+$/.test(id),
  kraken: (id) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id),
  coinbase: (id) => id.length > 0 && id.length <= 36,
  htx: (id) => id.length <= 64 && /^[A-Za-z0-9]+$/.test(id),
  gate: (id) => id.startsWith('t-') && id.length - 2 <= 28 && /^[A-Za-z0-9_.-]+$/.test(id.slice(2)),
};

describe('client order ids', () => {
  it.each(EXCHANGE_IDS)('%s: default ids fit the documented field format', (exchange) => {
    const generator = new ClientOrderIdGenerator({ exchange });
    for (let i = 0; i < 1000; i++) {
      const id = generator.next();
      expect(DOCUMENTED[exchange](id), `${exchange}: ${id}`).toBe(true);
      expect(isValidClientOrderId(exchange, id)).toBe(true);
    }
  });

  it.each(EXCHANGE_IDS)('%s: the longest allowed prefix still fits', (exchange) => {
    const prefix = 'A'.repeat(Math.max(1, maxPrefixLength(exchange)));
    const id = new ClientOrderIdGenerator({ exchange, prefix }).next();
    expect(DOCUMENTED[exchange](id), id).toBe(true);
    expect(id.length).toBeLessThanOrEqual(CLIENT_ORDER_ID_FORMATS[exchange].maxLength);
  });

  it('refuses a prefix that would overflow the field, naming the limit', () => {
    expect(() => new ClientOrderIdGenerator({ exchange: 'okx', prefix: 'abcdefg' })).toThrow(
      /prefix for okx to be at most 6 characters .*clOrdId field holds 32.*"abcdefg"/,
    );
    expect(() => new ClientOrderIdGenerator({ exchange: 'okx', prefix: 'abcdefg' })).toThrow(ValidationError);
    expect(() => new ClientOrderIdGenerator({ exchange: 'binance', prefix: 'my-bot' })).toThrow(/letters and digits/);
    expect(() => new ClientOrderIdGenerator({ exchange: 'binance', prefix: '' })).toThrow(ValidationError);
  });

  it('known shapes per exchange', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const random = (): number => 0.5;
    const make = (exchange: ExchangeId): string => new ClientOrderIdGenerator({ exchange, clock, random }).next();
    expect(make('binance')).toMatch(/^ct-01HF7YAT00[0-9A-Z]{16}$/);
    expect(make('okx')).toMatch(/^ct01HF7YAT00[0-9A-Z]{16}$/);
    // "t-" + ULID is all ccxt lets through on Gate (28 characters): no room for a prefix.
    expect(make('gate')).toMatch(/^t-01HF7YAT00[0-9A-Z]{16}$/);
    expect(make('kraken')).toMatch(/^018bcfe5-6800-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each(EXCHANGE_IDS)('%s: 100k ids are unique and strictly increasing, even within one millisecond', (exchange) => {
    let now = 1_700_000_000_000;
    const generator = new ClientOrderIdGenerator({ exchange, clock: { now: () => now } });
    const seen = new Set<string>();
    let previous = '';
    let outOfOrder = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i % 1000 === 0) now += 1; // many ids in the same millisecond, then the clock ticks
      const id = generator.next();
      if (id <= previous) outOfOrder++;
      previous = id;
      seen.add(id);
    }
    expect(outOfOrder).toBe(0);
    expect(seen.size).toBe(100_000);
  });

  it('two generators (two processes) do not collide', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const a = new ClientOrderIdGenerator({ exchange: 'binance', clock });
    const b = new ClientOrderIdGenerator({ exchange: 'binance', clock });
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(a.next()).add(b.next());
    expect(ids.size).toBe(20_000);
  });

  it('stays increasing when the clock steps backwards', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const generator = new ClientOrderIdGenerator({ exchange: 'bybit', clock });
    const first = generator.next();
    const backwards = { now: () => 1_600_000_000_000 };
    const later = new ClientOrderIdGenerator({ exchange: 'bybit', clock: backwards });
    expect(later.next() < first).toBe(true); // a fresh generator follows its clock…
    expect(generator.next() > first).toBe(true); // …but one generator never goes back
  });

  it.each(EXCHANGE_IDS)('%s: our ids are recognised with their time, foreign ones are not', (exchange) => {
    const clock = new ManualClock(1_700_000_000_123);
    const id = new ClientOrderIdGenerator({ exchange, clock }).next();
    const parsed = parseClientOrderId(exchange, id);
    expect(parsed?.time).toBe(1_700_000_000_123);
    expect(parsed?.prefix).toBe(exchange === 'kraken' || exchange === 'gate' ? '' : 'ct');
    expect(parseClientOrderId(exchange, 'web_12345')).toBeNull();
    expect(parseClientOrderId(exchange, '')).toBeNull();
    // A foreign Gate id of the right length but not a ULID is not ours either.
    expect(parseClientOrderId(exchange, 't-api')).toBeNull();
  });
});

describe('engine prefixes', () => {
  it('gives each engine a stable tag that fits every exchange with room for a prefix, and tells its ids from others', () => {
    const prefix = engineOrderPrefix('01J00000000000000000000000');
    expect(prefix).toBe(engineOrderPrefix('01J00000000000000000000000'));
    expect(prefix).toMatch(/^c[0-9a-z]{5}$/);
    const tags = new Set(Array.from({ length: 2000 }, (_, i) => engineOrderPrefix(`engine-${i}`)));
    expect(tags.size).toBeGreaterThan(1990); // 36^5 tags: collisions between a connection's bots are rare, never structural
    for (const exchange of ['binance', 'bybit', 'okx', 'coinbase', 'htx'] as const) {
      const id = new ClientOrderIdGenerator({ exchange, prefix }).next();
      expect(isValidClientOrderId(exchange, id), exchange).toBe(true);
      expect(clientOrderIdOrigin(exchange, id, prefix)).toBe('engine');
      expect(clientOrderIdOrigin(exchange, id, engineOrderPrefix('other'))).toBe('cts');
      expect(clientOrderIdOrigin(exchange, new ClientOrderIdGenerator({ exchange }).next(), prefix)).toBe('cts'); // made before tags
    }
    // No room for a tag: a CTS id never proves which engine made it.
    for (const exchange of ['kraken', 'gate'] as const) {
      const id = new ClientOrderIdGenerator({ exchange, prefix }).next();
      expect(clientOrderIdOrigin(exchange, id, prefix)).toBe('cts');
    }
    expect(clientOrderIdOrigin('binance', 'web_12345', prefix)).toBe('foreign');
    expect(clientOrderIdOrigin('binance', null, prefix)).toBe('foreign');
  });
});
