import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useRef, useSyncExternalStore, type MouseEvent } from 'react';
import { TokenDialog } from './auth/TokenDialog';
import { getAuthState, subscribeAuth } from './auth/token';
import { Loading } from './components/States';
import { ExchangeConnectionManagerV2 } from './features/connections/ExchangeConnectionManagerV2';
import { SystemPage } from './features/system/SystemPage';
import { navigate, usePathname } from './router';

interface Route {
  path: string;
  label: string;
  section: string;
  note?: string;
}

const ROUTES: Route[] = [
  { path: '/settings/connections', label: 'Exchange connections', section: 'Settings' },
  { path: '/live', label: 'Live trading', section: 'Trading' },
  { path: '/backtests', label: 'Backtests', section: 'Trading' },
  { path: '/system', label: 'System', section: 'System' },
];

const HOME = '/settings/connections';

// The trading pages carry the charting library: loaded when first opened, not with the shell.
const LiveTradingPage = lazy(() => import('./features/live-trading/LiveTradingPage').then((m) => ({ default: m.LiveTradingPage })));
const BacktestsPage = lazy(() => import('./features/backtests/BacktestsPage').then((m) => ({ default: m.BacktestsPage })));

export function App() {
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const auth = useSyncExternalStore(subscribeAuth, getAuthState);
  const route = ROUTES.find((r) => pathname === r.path || pathname.startsWith(`${r.path}/`));
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!route) navigate(HOME, { replace: true });
  }, [route]);

  useEffect(() => {
    document.title = route ? `${route.label} · CTS` : 'CTS';
  }, [route]);

  const go = (event: MouseEvent<HTMLAnchorElement>, path: string): void => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path);
    main.current?.focus();
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={HOME} onClick={(e) => go(e, HOME)}>
          <span className="brand__mark" aria-hidden="true">
            ◆
          </span>
          CTS
        </a>
        <nav className="nav" aria-label="Main">
          {ROUTES.map((r) => (
            <a key={r.path} href={r.path} className={`nav__link${route === r ? ' nav__link--active' : ''}`} aria-current={route === r ? 'page' : undefined} onClick={(e) => go(e, r.path)}>
              {r.label}
              {r.note ? (
                <>
                  <span className="nav__note">{r.note}</span>
                  <span className="nav__soon" aria-hidden="true">
                    soon
                  </span>
                </>
              ) : null}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="main">
        <Suspense fallback={<Loading />}>
          <Page path={route?.path ?? HOME} />
        </Suspense>
      </main>
      {auth.required ? <TokenDialog rejected={auth.rejected} onSaved={() => void queryClient.invalidateQueries()} /> : null}
    </div>
  );
}

function Page({ path }: { path: string }) {
  switch (path) {
    case '/live':
      return <LiveTradingPage />;
    case '/backtests':
      return <BacktestsPage />;
    case '/system':
      return <SystemPage />;
    default:
      return <ExchangeConnectionManagerV2 />;
  }
}
