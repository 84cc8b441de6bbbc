// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineOwnerView, EngineStatus } from '../../web/src/api/engine-types';
import { EngineOwnerFact, describeOwner } from '../../web/src/features/live-trading/EngineOwner';
import { engineStatus } from './live-trading-fixtures';

afterEach(cleanup);

const owner: EngineOwnerView = { instanceId: 'vm-77-ab12cd', host: 'vm', pid: 77, url: 'http://127.0.0.1:3002', self: false, leaseExpiresAt: '2026-12-02T01:00:10.000Z' };

function renderFact(status: EngineStatus, active = true) {
  return render(
    <dl>
      <EngineOwnerFact status={status} active={active} />
    </dl>,
  );
}

describe('the engine owner on the live page (several processes)', () => {
  it('names the process that runs the engine, and says when it is this one', () => {
    renderFact(engineStatus({ state: 'running', owner }));
    expect(screen.getByTestId('engine-owner').textContent).toBe('Runs onvm · pid 77 · http://127.0.0.1:3002');
    cleanup();
    renderFact(engineStatus({ state: 'running', owner: { ...owner, self: true } }));
    expect(screen.getByTestId('engine-owner').textContent).toContain('(this process)');
  });

  it('says when no process holds a running engine, and shows nothing on a single process', () => {
    renderFact(engineStatus({ state: 'running', owner: null }));
    expect(screen.getByTestId('engine-owner').textContent).toContain('its process is gone');
    cleanup();
    renderFact(engineStatus({ state: 'running' }));
    expect(screen.queryByTestId('engine-owner')).toBeNull();
  });

  it('names the owner by its instance id when it reports no host, pid or url', () => {
    expect(describeOwner({ ...owner, host: null, pid: null, url: null }, true)).toBe('vm-77-ab12cd');
    expect(describeOwner(null, false)).toBe('—');
  });
});
