/**
 * The admin token: asked for once, kept in sessionStorage for this tab's session only, and sent as
 * `Authorization: Bearer …`. A 401 from the API flags the token as needed; the app shows a dialog.
 */
const STORAGE_KEY = 'cts.adminToken';

type Listener = () => void;

export interface AuthState {
  /** The API answered 401: a token is needed (or the one given was refused). */
  required: boolean;
  /** A token was sent and still refused. */
  rejected: boolean;
}

let memoryToken: string | null = null;
let state: AuthState = { required: false, rejected: false };
const listeners = new Set<Listener>();

function emit(next: AuthState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage unavailable (private mode): the token then lasts until reload, which is still correct.
  }
  memoryToken = token;
  emit({ required: false, rejected: false });
}

export function currentToken(): string | null {
  return getToken() ?? memoryToken;
}

/** Called by the API client on a 401. */
export function markAuthRequired(): void {
  const rejected = currentToken() !== null;
  if (state.required && state.rejected === rejected) return;
  emit({ required: true, rejected });
}

export function subscribeAuth(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getAuthState(): AuthState {
  return state;
}

/** For tests. */
export function resetAuth(): void {
  memoryToken = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // ignore
  }
  emit({ required: false, rejected: false });
}
