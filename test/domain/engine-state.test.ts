import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/domain/errors.js';
import {
  ENGINE_ACTIONS,
  ENGINE_STATES,
  allowedActions,
  canTransition,
  isActive,
  transition,
  type EngineAction,
  type EngineState,
} from '../../src/domain/engine-state.js';

/** The lifecycle as the design states it, written out independently of the implementation's table. */
const LEGAL: ReadonlyArray<[EngineState, EngineAction, EngineState]> = [
  ['stopped', 'start', 'starting'],
  ['starting', 'started', 'running'],
  ['starting', 'stop', 'stopping'],
  ['starting', 'fail', 'error'],
  ['running', 'pause', 'paused'],
  ['running', 'stop', 'stopping'],
  ['running', 'fail', 'error'],
  ['paused', 'resume', 'running'],
  ['paused', 'stop', 'stopping'],
  ['paused', 'fail', 'error'],
  ['stopping', 'stopped', 'stopped'],
  ['error', 'recover', 'starting'],
  ['error', 'start', 'starting'],
  ['error', 'stop', 'stopped'],
];

function isLegal(state: EngineState, action: EngineAction): boolean {
  return LEGAL.some(([s, a]) => s === state && a === action);
}

describe('engine lifecycle', () => {
  it.each(LEGAL)('%s --%s--> %s', (state, action, next) => {
    expect(transition(state, action)).toBe(next);
    expect(canTransition(state, action)).toBe(true);
  });

  const illegal = ENGINE_STATES.flatMap((s) => ENGINE_ACTIONS.filter((a) => !isLegal(s, a)).map((a) => [s, a] as const));

  it('covers every pair: legal + illegal = states × actions', () => {
    expect(LEGAL.length + illegal.length).toBe(ENGINE_STATES.length * ENGINE_ACTIONS.length);
  });

  it.each(illegal)('refuses %s --%s--> with a ConflictError naming both', (state, action) => {
    expect(canTransition(state, action)).toBe(false);
    let thrown: unknown;
    try {
      transition(state, action);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConflictError);
    const message = (thrown as ConflictError).message;
    expect(message).toContain(`Cannot ${action}`);
    expect(message).toContain(state);
    expect((thrown as ConflictError).code).toBe('conflict');
  });

  it('the classic mistakes are refused: stop a stopped engine, start twice, pause a stopped one', () => {
    expect(() => transition('stopped', 'stop')).toThrow(/Cannot stop an engine that is stopped/);
    expect(() => transition('starting', 'start')).toThrow(ConflictError);
    expect(() => transition('running', 'start')).toThrow(ConflictError);
    expect(() => transition('stopped', 'pause')).toThrow(/Cannot pause an engine that is stopped/);
  });

  it('lists the allowed actions per state', () => {
    expect(allowedActions('stopped')).toEqual(['start']);
    expect(allowedActions('running')).toEqual(['pause', 'stop', 'fail']);
    expect(allowedActions('error')).toEqual(['start', 'stop', 'recover']);
  });

  it('active states are the ones that hold a running loop', () => {
    expect(ENGINE_STATES.filter(isActive)).toEqual(['starting', 'running', 'paused', 'stopping']);
  });
});
