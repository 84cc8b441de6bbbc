// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineOwnerFact, describeOwner, ownerOf } from '../../web/src/features/live-trading/EngineOwner';

afterEach(cleanup);

const owner = { instanceId: 'vm-77-ab12cd', host: 'vm', pid: 77, url: 'http://127.0.0.1:3002', self: false, leaseExpiresAt: '2026-12-02T01:00:10.000Z' };

function renderFact(status: object, active = true) {
  return render(
    <dl>
      <EngineOwnerFact status={status} active={active} />
    </dl>,
  );
}

describe('the engine owner on the live page (several processes)', () => {
  it('names the process that runs the engine, and says when it is this one', () => {
    renderFact({ state: 'running', owner });
    expect(screen.getByTestId('engine-owner').textContent).toBe('Runs onvm · pid 77 · http://127.0.0.1:3002');
    cleanup();
    renderFact({ state: 'running', owner: { ...owner, self: true } });
    expect(screen.getByTestId('engine-owner').textContent).toContain('(this process)');
  });

  it('says when no process holds a running engine, and shows nothing on a single process', () => {
    renderFact({ state: 'running', owner: null });
    expect(screen.getByTestId('engine-owner').textContent).toContain('its process is gone');
    cleanup();
    renderFact({ state: 'running' });
    expect(screen.queryByTestId('engine-owner')).toBeNull();
  });

  it('reads an owner it does not understand as absent, never as a wrong name', () => {
    expect(ownerOf({ owner: { pid: 3 } })).toBeUndefined();
    expect(ownerOf({ owner: 'x' })).toBeUndefined();
    expect(describeOwner({ ...owner, host: null, pid: null, url: null }, true)).toBe('vm-77-ab12cd');
    expect(describeOwner(null, false)).toBe('—');
  });
});
