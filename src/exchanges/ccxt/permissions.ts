import { z } from 'zod';
import type { ExchangeId, MarketType } from '../../domain/exchange-ids.js';
import type { KeyPermissions } from '../exchange.port.js';
import { parseOrThrow } from './response-schemas.js';

/** Calls a ccxt implicit-API method by name (e.g. `sapiGetAccountApiRestrictions`) and returns the raw JSON. */
export type RawCall = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

export interface PermissionQuery {
  readonly call: RawCall;
  readonly apiKey: string;
  readonly marketTypes: readonly MarketType[];
}

type Reader = (query: PermissionQuery) => Promise<KeyPermissions>;

/**
 * Each exchange reports key permissions in its own shape; these read the raw payload (validated) into
 * ours. `canTrade` means: trading is allowed for every market type the connection trades.
 */
export const PERMISSION_READERS: Partial<Record<ExchangeId, Reader>> = {
  binance: async ({ call, marketTypes }) => {
    const schema = z.object({ ipRestrict: z.boolean(), enableWithdrawals: z.boolean(), enableSpotAndMarginTrading: z.boolean(), enableFutures: z.boolean().optional() });
    const r = parseOrThrow(schema, await call('sapiGetAccountApiRestrictions'), 'API key restrictions');
    const spotOk = !marketTypes.some((t) => t === 'spot' || t === 'margin') || r.enableSpotAndMarginTrading;
    const futuresOk = !marketTypes.includes('futures') || r.enableFutures === true;
    return { canTrade: spotOk && futuresOk, canWithdraw: r.enableWithdrawals, ipRestricted: r.ipRestrict };
  },
  bybit: async ({ call, marketTypes }) => {
    const schema = z.object({
      retCode: z.literal(0),
      result: z.object({ readOnly: z.number(), ips: z.array(z.string()), permissions: z.record(z.string(), z.array(z.string())) }),
    });
    const { result } = parseOrThrow(schema, await call('privateGetV5UserQueryApi'), 'API key info');
    const has = (group: string, perm: string): boolean => (result.permissions[group] ?? []).includes(perm);
    const spotOk = !marketTypes.includes('spot') || has('Spot', 'SpotTrade');
    const futuresOk = !marketTypes.includes('futures') || has('ContractTrade', 'Order') || has('Derivatives', 'DerivativesTrade');
    return {
      canTrade: result.readOnly === 0 && spotOk && futuresOk,
      canWithdraw: has('Wallet', 'Withdraw'),
      ipRestricted: !(result.ips.length === 0 || result.ips.includes('*')),
    };
  },
  okx: async ({ call }) => {
    const schema = z.object({ code: z.literal('0'), data: z.array(z.object({ perm: z.string(), ip: z.string().optional() })).min(1) });
    const [config] = parseOrThrow(schema, await call('privateGetAccountConfig'), 'account configuration').data;
    const perms = splitList(config?.perm ?? '');
    return { canTrade: perms.includes('trade'), canWithdraw: perms.includes('withdraw'), ipRestricted: (config?.ip ?? '') !== '' };
  },
  coinbase: async ({ call }) => {
    const schema = z.object({ can_view: z.boolean(), can_trade: z.boolean(), can_transfer: z.boolean() });
    const r = parseOrThrow(schema, await call('v3PrivateGetBrokerageKeyPermissions'), 'key permissions');
    // Advanced Trade does not report IP allow-lists through the API.
    return { canTrade: r.can_trade, canWithdraw: r.can_transfer, ipRestricted: null };
  },
  htx: async ({ call, apiKey }) => {
    const uidSchema = z.object({ code: z.literal(200), data: z.number().int() });
    const uid = parseOrThrow(uidSchema, await call('spotPrivateGetV2UserUid'), 'user id').data;
    const keySchema = z.object({ code: z.literal(200), data: z.array(z.object({ accessKey: z.string(), permission: z.string(), ipAddresses: z.string().optional() })) });
    const keys = parseOrThrow(keySchema, await call('spotPrivateGetV2UserApiKey', { uid, accessKey: apiKey }), 'API key info').data;
    const key = keys.find((k) => k.accessKey === apiKey) ?? keys[0];
    if (!key) return { canTrade: null, canWithdraw: null, ipRestricted: null };
    const perms = splitList(key.permission);
    return { canTrade: perms.includes('trade'), canWithdraw: perms.includes('withdraw'), ipRestricted: (key.ipAddresses ?? '') !== '' };
  },
  kraken: async ({ call }) => {
    const schema = z.object({ error: z.array(z.string()).length(0), result: z.object({ permissions: z.array(z.string()), ipAllowlist: z.array(z.string()).optional() }) });
    const { result } = parseOrThrow(schema, await call('privatePostGetApiKeyInfo'), 'API key info');
    const trade = result.permissions.includes('modify-trades') || result.permissions.includes('create-modify-orders');
    return { canTrade: trade, canWithdraw: result.permissions.includes('withdraw-funds'), ipRestricted: (result.ipAllowlist ?? []).length > 0 };
  },
  gate: async ({ call, apiKey, marketTypes }) => {
    const schema = z.array(
      z.object({ key: z.string().optional(), ip_whitelist: z.array(z.string()).nullish(), perms: z.array(z.object({ name: z.string(), read_only: z.boolean() })) }),
    );
    const keys = parseOrThrow(schema, await call('privateAccountGetMainKeys'), 'API key info');
    const key = keys.find((k) => k.key === apiKey) ?? keys[0];
    if (!key) return { canTrade: null, canWithdraw: null, ipRestricted: null };
    const writable = (area: string): boolean => key.perms.some((p) => p.name === area && !p.read_only);
    const spotOk = !marketTypes.includes('spot') || writable('spot');
    const futuresOk = !marketTypes.includes('futures') || writable('futures');
    return { canTrade: spotOk && futuresOk, canWithdraw: writable('wallet'), ipRestricted: (key.ip_whitelist ?? []).length > 0 };
  },
};

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
