import type { SimWallet } from '../types.js';
import { Dec } from '../../src/domain/money.js';

/**
 * Balance moves on a simulated account's wallet (its own, or one it keeps apart, such as Binance's
 * futures wallet). Balances are stored as decimal strings (the account is also the control API's
 * JSON), so every move parses, adds in Dec and writes back: exact, never floats.
 */
export function balanceOf(wallet: SimWallet, asset: string): { free: Dec; used: Dec } {
  const b = wallet.balances[asset];
  return { free: new Dec(b?.free ?? '0'), used: new Dec(b?.used ?? '0') };
}

export function moveBalance(wallet: SimWallet, asset: string, delta: { free?: Dec; used?: Dec }): void {
  const current = balanceOf(wallet, asset);
  const free = current.free.add(delta.free ?? 0);
  const used = current.used.add(delta.used ?? 0);
  // A negative balance means the engine has a bookkeeping bug; fail loudly rather than drift.
  if (free.isNegative() || used.isNegative()) {
    throw new Error(`Balance of ${asset} would go negative (free ${free.toFixed()}, used ${used.toFixed()})`);
  }
  wallet.balances[asset] = { free: free.toFixed(), used: used.toFixed() };
}
