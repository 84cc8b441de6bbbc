import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { StepReport, SystemStatus } from './types';

export function useSystemStatus() {
  return useQuery({
    queryKey: ['system', 'status'],
    queryFn: () => api<SystemStatus>('GET', '/api/system/status'),
    refetchInterval: 10_000,
  });
}

export function useIntegrationTest() {
  return useMutation({ mutationFn: () => api<StepReport>('POST', '/api/system/integration-test') });
}

export function useVerifyStartup() {
  return useMutation({ mutationFn: () => api<StepReport>('GET', '/api/system/verify-startup') });
}
