import type { SimAccount } from '../types.js';
import { Dec } from '../../src/domain/money.js';

/**
 * Balance moves on a simulated account. Balances are stored as decimal strings (the account is also
 * the control API's JSON), so every move parses, adds in Dec and writes back: exact, never floats.
 */
export function balanceOf(account: SimAccount, asset: string): { free: Dec; used: Dec } {
  const b = account.balances[asset];
  return { free: new Dec(b?.free ?? '0'), used: new Dec(b?.used ?? '0') };
}

export function moveBalance(account: SimAccount, asset: string, delta: { free?: Dec; used?: Dec }): void {
  const current = balanceOf(account, asset);
  const free = current.free.add(delta.free ?? 0);
  const used = current.used.add(delta.used ?? 0);
  // A negative balance means the engine has a bookkeeping bug; fail loudly rather than drift.
  if (free.isNegative() || used.isNegative()) {
    throw new Error(`Balance of ${asset} would go negative (free ${free.toFixed()}, used ${used.toFixed()})`);
  }
  account.balances[asset] = { free: free.toFixed(), used: used.toFixed() };
}
