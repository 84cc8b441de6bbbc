import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { StrategyCatalog } from '../../../src/domain/strategy-catalog.js';
import { api } from './client';
import { backtestKeys } from './backtests';
import { engineKeys } from './engine';

export type { StrategyCatalog, StrategyLoadProblem } from '../../../src/domain/strategy-catalog.js';

const BASE = '/api/strategies';

export const strategyKeys = { catalog: ['strategies', 'catalog'] as const };

export function useStrategyCatalog() {
  return useQuery({ queryKey: strategyKeys.catalog, queryFn: () => api<StrategyCatalog>('GET', BASE), staleTime: 60_000 });
}

/** Re-reads the server's strategies folder; every strategy list (backtest form, start form) is refreshed. */
export function useReloadStrategies() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<StrategyCatalog>('POST', `${BASE}/reload`, {}),
    onSuccess: async (catalog) => {
      client.setQueryData(strategyKeys.catalog, catalog);
      await Promise.all([client.invalidateQueries({ queryKey: engineKeys.strategies }), client.invalidateQueries({ queryKey: backtestKeys.catalog })]);
    },
  });
}

/** The file each file strategy came from, by id (empty while unknown), for labels in the strategy pickers. */
export function useStrategyFiles(): ReadonlyMap<string, string> {
  const catalog = useStrategyCatalog();
  const files = new Map<string, string>();
  for (const s of catalog.data?.strategies ?? []) if (s.source.kind === 'file') files.set(s.id, s.source.file);
  return files;
}
