import { useState } from 'react';
import { describeError } from '../../api/client';
import { useEmergencyStop, usePauseEngine, useResumeEngine, useStopEngine } from '../../api/engine';
import type { EngineStatus } from '../../api/engine-types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmergencyStopDialog } from './EmergencyStopDialog';

interface EngineControlsProps {
  status: EngineStatus;
  name: string;
}

/** Pause, resume, stop and emergency stop, each enabled only when the engine's state allows it. */
export function EngineControls({ status, name }: EngineControlsProps) {
  const pause = usePauseEngine();
  const resume = useResumeEngine();
  const stop = useStopEngine();
  const emergency = useEmergencyStop();
  const [dialog, setDialog] = useState<'stop' | 'emergency' | null>(null);
  const allowed = new Set(status.allowedActions);
  const id = status.id;
  const busy = pause.isPending || resume.isPending || stop.isPending || emergency.isPending;
  const error = [pause, resume].find((m) => m.isError)?.error;
  const canStop = allowed.has('stop');
  const openOrders = status.openOrders.length;

  return (
    <div className="engine-controls">
      <div className="engine-controls__buttons" role="group" aria-label="Engine controls">
        {allowed.has('resume') ? (
          <button type="button" className="button button--small" disabled={busy} onClick={() => resume.mutate({ engineId: id })}>
            {resume.isPending ? 'Resuming…' : 'Resume'}
          </button>
        ) : (
          <button type="button" className="button button--small" disabled={busy || !allowed.has('pause')} onClick={() => pause.mutate({ engineId: id })}>
            {pause.isPending ? 'Pausing…' : 'Pause'}
          </button>
        )}
        <button type="button" className="button button--small" disabled={busy || !canStop} onClick={() => setDialog('stop')}>
          Stop
        </button>
        <button type="button" className="button button--small button--danger" disabled={busy || !canStop} onClick={() => setDialog('emergency')}>
          Emergency stop
        </button>
      </div>
      {error ? (
        <p className="notice notice--error" role="alert">
          {describeError(error)}
        </p>
      ) : null}
      {dialog === 'stop' ? (
        <ConfirmDialog
          title={`Stop ${name}?`}
          message={
            openOrders > 0
              ? `The engine stops deciding. Its ${openOrders} open order${openOrders === 1 ? '' : 's'} ${status.options?.cancelOrdersOnStop === false ? 'stay on the exchange' : 'are cancelled'}; the position is kept.`
              : 'The engine stops deciding; the position is kept.'
          }
          confirmLabel="Stop engine"
          busy={stop.isPending}
          error={stop.isError ? describeError(stop.error) : null}
          onCancel={() => {
            setDialog(null);
            stop.reset();
          }}
          onConfirm={() => stop.mutate({ engineId: id }, { onSuccess: () => setDialog(null) })}
        />
      ) : null}
      {dialog === 'emergency' ? (
        <EmergencyStopDialog
          name={name}
          status={status}
          busy={emergency.isPending}
          error={emergency.isError ? describeError(emergency.error) : null}
          onCancel={() => {
            setDialog(null);
            emergency.reset();
          }}
          onConfirm={(flatten) => emergency.mutate({ engineId: id, flatten }, { onSuccess: () => setDialog(null) })}
        />
      ) : null}
    </div>
  );
}
