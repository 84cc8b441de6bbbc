import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from './client';
import type {
  BatchTestJob,
  ConnectionFilters,
  ConnectionPage,
  ConnectionTestResult,
  ConnectionView,
  CreateConnectionBody,
  HealthReport,
  UpdateConnectionBody,
} from './types';

const BASE = '/api/settings/connections';
export const PAGE_SIZE = 50;

export const connectionKeys = {
  all: ['connections'] as const,
  list: (filters: ConnectionFilters, offset: number) => ['connections', 'list', filters, offset] as const,
  health: ['connections', 'health'] as const,
  // Not under 'connections': invalidating the list when a job finishes must not refetch the job itself.
  batch: (jobId: string) => ['batch-test', jobId] as const,
};

export function listQueryString(filters: ConnectionFilters, offset: number): string {
  const params = new URLSearchParams();
  if (filters.exchange) params.set('exchange', filters.exchange);
  if (filters.status) params.set('status', filters.status);
  if (filters.mode) params.set('mode', filters.mode);
  params.set('limit', String(PAGE_SIZE));
  params.set('offset', String(offset));
  return params.toString();
}

export function useConnections(filters: ConnectionFilters, offset: number) {
  return useQuery({
    queryKey: connectionKeys.list(filters, offset),
    queryFn: () => api<ConnectionPage>('GET', `${BASE}?${listQueryString(filters, offset)}`),
    placeholderData: (previous) => previous,
  });
}

/** Health is optional: while the server does not offer it (404/501) the cards simply omit it. */
export function useHealth() {
  return useQuery({
    queryKey: connectionKeys.health,
    queryFn: async (): Promise<HealthReport | null> => {
      try {
        return await api<HealthReport>('GET', `${BASE}/health`);
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return null;
        throw error;
      }
    },
    refetchInterval: (query) => (query.state.data === null ? false : 15_000),
  });
}

function useInvalidateConnections() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: connectionKeys.all });
}

export function useCreateConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (body: CreateConnectionBody) => api<ConnectionView>('POST', BASE, body),
    onSuccess: invalidate,
  });
}

export function useUpdateConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateConnectionBody }) =>
      api<ConnectionView>('PATCH', `${BASE}/${encodeURIComponent(id)}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `${BASE}/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useTestConnection() {
  const invalidate = useInvalidateConnections();
  return useMutation({
    mutationFn: (id: string) => api<ConnectionTestResult>('POST', `${BASE}/${encodeURIComponent(id)}/test`),
    onSettled: invalidate,
  });
}

export function useStartBatchTest() {
  return useMutation({
    mutationFn: (ids?: string[]) => api<{ jobId: string }>('POST', `${BASE}/batch-test`, ids ? { ids } : {}),
  });
}

/** Polls a batch job for the progress bar until it is no longer running. */
export function useBatchJob(jobId: string | null) {
  const invalidate = useInvalidateConnections();
  return useQuery({
    queryKey: connectionKeys.batch(jobId ?? ''),
    enabled: jobId !== null,
    queryFn: async () => {
      const job = await api<BatchTestJob>('GET', `${BASE}/batch-test/${encodeURIComponent(jobId ?? '')}`);
      if (job.state !== 'running') void invalidate();
      return job;
    },
    refetchInterval: (query) => (query.state.data?.state === 'running' || !query.state.data ? 500 : false),
  });
}
