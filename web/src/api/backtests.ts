import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { BacktestCatalog, BacktestListItem, BacktestRequestBody, BacktestView } from './engine-types';

const BASE = '/api/backtests';

export const backtestKeys = {
  list: ['backtests', 'list'] as const,
  catalog: ['backtests', 'catalog'] as const,
  // Not under 'backtests': refreshing the list must not refetch a finished report.
  one: (id: string) => ['backtest', id] as const,
};

const unfinished = (status: string): boolean => status === 'queued' || status === 'running';

export function useBacktestCatalog() {
  return useQuery({ queryKey: backtestKeys.catalog, queryFn: () => api<BacktestCatalog>('GET', `${BASE}/catalog`), staleTime: 5 * 60_000 });
}

/** Past and running runs, newest first; polled faster while one is unfinished. */
export function useBacktests() {
  return useQuery({
    queryKey: backtestKeys.list,
    queryFn: () => api<{ items: BacktestListItem[]; total: number }>('GET', `${BASE}?limit=50`),
    refetchInterval: (query) => (query.state.data?.items.some((r) => unfinished(r.status)) ? 1000 : 30_000),
  });
}

/** One run: progress every 500 ms while it runs, then its report (fetched once: a finished run never changes). */
export function useBacktest(id: string | null) {
  const client = useQueryClient();
  return useQuery({
    queryKey: backtestKeys.one(id ?? ''),
    enabled: id !== null,
    queryFn: async () => {
      const view = await api<BacktestView>('GET', `${BASE}/${encodeURIComponent(id ?? '')}`);
      if (!unfinished(view.status)) void client.invalidateQueries({ queryKey: backtestKeys.list });
      return view;
    },
    refetchInterval: (query) => (!query.state.data || unfinished(query.state.data.status) ? 500 : false),
    staleTime: (query) => (query.state.data && !unfinished(query.state.data.status) ? Infinity : 0),
  });
}

export function useStartBacktest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BacktestRequestBody) => api<{ id: string }>('POST', BASE, body),
    onSuccess: () => client.invalidateQueries({ queryKey: backtestKeys.list }),
  });
}
