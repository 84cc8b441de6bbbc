import { ConflictError } from './errors.js';

/**
 * The engine lifecycle as a pure transition table. The runtime asks `transition` for the next state
 * *before* doing anything, so a refused action leaves nothing half-applied; it then persists and
 * publishes the returned state.
 */

export const ENGINE_STATES = ['stopped', 'starting', 'running', 'paused', 'stopping', 'error'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

export const ENGINE_ACTIONS = [
  'start', // stopped → starting (a user asks to start)
  'started', // starting → running (configuration validated, reconciliation done)
  'pause', // running → paused
  'resume', // paused → running
  'stop', // running | paused | starting → stopping (error → stopped: nothing is running to wind down)
  'stopped', // stopping → stopped (orders handled, state flushed)
  'fail', // starting | running | paused → error
  'recover', // error → starting (automatic backoff retry or a user's start)
] as const;
export type EngineAction = (typeof ENGINE_ACTIONS)[number];

type TransitionTable = Readonly<Record<EngineState, Readonly<Partial<Record<EngineAction, EngineState>>>>>;

/**
 * Every legal (state, action) pair. `stop` from `error` goes straight to `stopped` because an engine in
 * error has no loop to wind down. `fail` is refused while `stopping`: a shutdown always ends in
 * `stopped` (the runtime records the failure as the last error) so a stop request is never undone.
 */
export const ENGINE_TRANSITIONS: TransitionTable = Object.freeze({
  stopped: { start: 'starting' },
  starting: { started: 'running', stop: 'stopping', fail: 'error' },
  running: { pause: 'paused', stop: 'stopping', fail: 'error' },
  paused: { resume: 'running', stop: 'stopping', fail: 'error' },
  stopping: { stopped: 'stopped' },
  error: { recover: 'starting', start: 'starting', stop: 'stopped' },
});

/** Returns the state after `action`, or throws `ConflictError` naming the state and the refused action. */
export function transition(state: EngineState, action: EngineAction): EngineState {
  const next = ENGINE_TRANSITIONS[state][action];
  if (next === undefined) {
    throw new ConflictError(
      `Cannot ${action} an engine that is ${state}; allowed from ${state}: ${allowedActions(state).join(', ') || 'none'}`,
    );
  }
  return next;
}

/** The actions accepted in `state`, e.g. for the UI to enable buttons. */
export function allowedActions(state: EngineState): EngineAction[] {
  return ENGINE_ACTIONS.filter((a) => ENGINE_TRANSITIONS[state][a] !== undefined);
}

export function canTransition(state: EngineState, action: EngineAction): boolean {
  return ENGINE_TRANSITIONS[state][action] !== undefined;
}

/** States in which the engine holds resources (loop, subscriptions) and must be stopped before deletion. */
export function isActive(state: EngineState): boolean {
  return state === 'starting' || state === 'running' || state === 'paused' || state === 'stopping';
}

export function isEngineState(value: string): value is EngineState {
  return (ENGINE_STATES as readonly string[]).includes(value);
}
