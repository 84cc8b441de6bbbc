import { z } from 'zod';
import { CONNECTION_MODES, CONNECTION_STATUSES, EXCHANGE_IDS, MARKET_TYPES, RATE_LIMIT_TIERS } from '../domain/exchange-ids.js';

/** Request and response schemas: they validate at the edge and generate the OpenAPI document. */

export const ConnectionId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a connection id (26-character ULID)')
  .describe('Connection id (ULID)');

/**
 * A name people tell connections apart by: well-formed Unicode (a lone UTF-16 surrogate would be
 * stored as U+FFFD, so two different names could end up identical), no control, format or separator
 * characters (bidi overrides, zero-width spaces and the like make names that look alike or hide text),
 * stored in NFC. Uniqueness ignores case (connection.service.ts `nameKey`).
 */
const Name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((name) => !/\p{Cs}/u.test(name), 'must be valid Unicode text (it contains a lone UTF-16 surrogate)')
  .refine((name) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name), 'must not contain control or invisible formatting characters (such as bidi overrides or zero-width spaces)')
  .transform((name) => name.normalize('NFC'));

const ApiKey = z.string().min(16, 'must be at least 16 characters').max(512, 'must be at most 512 characters')
  .regex(/^\S(.*\S)?$/s, 'must not start or end with whitespace');
const ApiSecret = z.string().min(16, 'must be at least 16 characters').max(8192, 'must be at most 8192 characters');
const Passphrase = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

export const CreateConnectionBody = z
  .object({
    name: Name,
    exchange: z.enum(EXCHANGE_IDS),
    marketTypes: z.array(z.enum(MARKET_TYPES)).min(1, 'choose at least one market type').max(MARKET_TYPES.length),
    mode: z.enum(CONNECTION_MODES),
    enabled: z.boolean().default(true),
    apiKey: ApiKey.optional(),
    apiSecret: ApiSecret.optional(),
    passphrase: Passphrase.optional(),
    rateLimitTier: z.enum(RATE_LIMIT_TIERS).optional().describe('Kraken only: verification tier (sets the rate limits)'),
  })
  .strict();
export type CreateConnectionInput = z.infer<typeof CreateConnectionBody>;

export const UpdateConnectionBody = z
  .object({
    name: Name.optional(),
    exchange: z.enum(EXCHANGE_IDS).optional(),
    marketTypes: z.array(z.enum(MARKET_TYPES)).min(1, 'choose at least one market type').max(MARKET_TYPES.length).optional(),
    mode: z.enum(CONNECTION_MODES).optional(),
    enabled: z.boolean().optional(),
    apiKey: ApiKey.nullable().optional().describe('null removes the stored key (paper/replay only)'),
    apiSecret: ApiSecret.nullable().optional(),
    passphrase: Passphrase.nullable().optional(),
    rateLimitTier: z.enum(RATE_LIMIT_TIERS).nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'send at least one field to change' });
export type UpdateConnectionInput = z.infer<typeof UpdateConnectionBody>;

const BooleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListConnectionsQuery = z
  .object({
    exchange: z.enum(EXCHANGE_IDS).optional(),
    status: z.enum(CONNECTION_STATUSES).optional(),
    enabled: BooleanText.optional(),
    mode: z.enum(CONNECTION_MODES).optional(),
    marketType: z.enum(MARKET_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type ListConnectionsQueryInput = z.infer<typeof ListConnectionsQuery>;

const TestStep = z.object({
  name: z.string(),
  outcome: z.enum(['ok', 'warning', 'failed', 'skipped']),
  durationMs: z.number(),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export const ConnectionTestResultSchema = z.object({
  outcome: z.enum(['ok', 'warning', 'failed']),
  summary: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  simulated: z.boolean(),
  steps: z.array(TestStep),
});

export const ConnectionViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  exchange: z.enum(EXCHANGE_IDS),
  marketTypes: z.array(z.enum(MARKET_TYPES)),
  mode: z.enum(CONNECTION_MODES),
  enabled: z.boolean(),
  status: z.enum(CONNECTION_STATUSES),
  apiKey: z.object({ mask: z.string(), fingerprint: z.string() }).nullable(),
  hasApiSecret: z.boolean(),
  hasPassphrase: z.boolean(),
  rateLimitTier: z.enum(RATE_LIMIT_TIERS).nullable(),
  lastTestAt: z.string().nullable(),
  lastTestResult: ConnectionTestResultSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ConnectionListSchema = z.object({
  items: z.array(ConnectionViewSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
