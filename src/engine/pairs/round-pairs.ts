import type { RoundPairs } from './multi-pair-feed.js';
import type { PairList } from './pair-list.js';

/**
 * The pairs a bot's feed reads each round: the list's tradable pairs, then the managed-only ones it
 * still holds (their exits need prices too). The list is refreshed here when due; a failed refresh
 * keeps the previous list (reported through `onError`), and only fails the round when there is none.
 */
export function pairsForRounds(list: PairList, held: () => Iterable<string>, onError?: (error: unknown) => void): RoundPairs {
  return async () => {
    try {
      await list.refreshIfDue();
    } catch (error) {
      if (!list.current) throw error;
      onError?.(error);
    }
    const selection = list.selection(held());
    return [...selection.tradable, ...selection.managedOnly];
  };
}
