import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exchange as CcxtExchangeBase, errors as ccxtErrors } from 'ccxt';
import type { ExchangeId } from '../../domain/exchange-ids.js';

/**
 * The only module that loads ccxt. It loads just the seven exchange classes and the error classes,
 * never the package index: measured here (Node 20, ccxt 4.5.84, 2 cores; baseline process 43 MB):
 *   whole library   `import('ccxt')`          ~365 ms, ~130 MB RSS
 *   seven classes + errors (this module)      ~140 ms,  ~80 MB RSS
 * ccxt's package `exports` map allows only the index, so the class files are imported by file URL
 * from the installed package (resolved through Node's resolver, so it works from src/ and dist/).
 * Types come from the package index with `import type`, which is erased at runtime.
 */

export type CcxtInstance = CcxtExchangeBase;
export type CcxtErrors = typeof ccxtErrors;
export type CcxtConstructor = new (config?: Record<string, unknown>) => CcxtInstance;

export interface CcxtModules {
  readonly classes: Readonly<Record<ExchangeId, CcxtConstructor>>;
  readonly errors: CcxtErrors;
}

const CLASS_FILES: Readonly<Record<ExchangeId, string>> = {
  binance: 'binance.js',
  bybit: 'bybit.js',
  okx: 'okx.js',
  kraken: 'kraken.js',
  coinbase: 'coinbase.js',
  htx: 'htx.js',
  gate: 'gate.js',
};

function ccxtSourceUrl(file: string): string {
  // `require.resolve('ccxt')` lands on <pkg>/dist/ccxt.cjs; the ESM sources live in <pkg>/js/src.
  const entry = createRequire(import.meta.url).resolve('ccxt');
  const root = path.dirname(path.dirname(entry));
  return pathToFileURL(path.join(root, 'js', 'src', file)).href;
}

interface DefaultExport<T> {
  default: T;
}

/**
 * ccxt pro's websocket class of one exchange, loaded only when a bot streams from it (the pro
 * classes pull in ccxt's websocket client: about 10 MB more per exchange, paid only when used).
 */
export async function loadCcxtPro(id: ExchangeId): Promise<CcxtConstructor> {
  return ((await import(ccxtSourceUrl(`pro/${CLASS_FILES[id]}`))) as DefaultExport<CcxtConstructor>).default;
}

/**
 * Loads the classes once per call site; Node's module cache makes repeated calls cheap, so callers
 * may simply await this wherever they build an adapter (no module-level state here).
 */
export async function loadCcxt(): Promise<CcxtModules> {
  const ids = Object.keys(CLASS_FILES) as ExchangeId[];
  const loaded = await Promise.all(
    ids.map(async (id) => [id, ((await import(ccxtSourceUrl(CLASS_FILES[id]))) as DefaultExport<CcxtConstructor>).default] as const),
  );
  const errorsModule = (await import(ccxtSourceUrl('base/errors.js'))) as DefaultExport<CcxtErrors>;
  return {
    classes: Object.fromEntries(loaded) as Record<ExchangeId, CcxtConstructor>,
    errors: errorsModule.default,
  };
}
