/**
 * The logged-in session: the token (sessionStorage, or localStorage with "keep me logged in"), who the
 * user is (GET /v1/me), the API client, a directory of tenant and user names for tables, and one live
 * connection to GET /v1/stream shared by every page (pages subscribe to job changes).
 *
 * The stream reconnects with backoff (1 s doubling to 30 s); after a reconnect subscribers are told with
 * an empty batch marked `resync`, so a page refetches what it shows instead of missing changes made while
 * the connection was down.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiClient, ApiError, type JobChange, type Project, type Tenant, type User, type Whoami } from './api.ts';

const TOKEN_KEY = 'cheomdan.token';

export type LiveState = 'connecting' | 'open' | 'offline';
export type ChangeListener = (changes: JobChange[], resync: boolean) => void;

export interface Session {
  api: ApiClient;
  me: Whoami;
  isOperator: boolean;
  live: LiveState;
  subscribe(fn: ChangeListener): () => void;
  logout(): void;
  tenantName(id: string): string;
  userName(id: string): string;
  projectName(id: string): string;
  tenants: Tenant[];
  users: User[];
  refreshDirectory(): void;
}

interface AuthState {
  status: 'loading' | 'anonymous' | 'ready';
  session: Session | null;
  login(token: string, remember: boolean): Promise<void>;
  error: string | null;
}

const AuthContext = createContext<AuthState | null>(null);

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
function storeToken(token: string | null, remember = false): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    if (token) (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
  } catch {
    /* storage blocked: the session lasts for this page */
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(readToken);
  const [me, setMe] = useState<Whoami | null>(null);
  const [status, setStatus] = useState<AuthState['status']>(token ? 'loading' : 'anonymous');
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [projects, setProjects] = useState<Project[]>([]);
  const [directoryLoaded, setDirectoryLoaded] = useState(false);
  const [directoryVersion, setDirectoryVersion] = useState(0);
  const listeners = useRef(new Set<ChangeListener>());

  const logout = useCallback(() => {
    storeToken(null);
    setToken(null);
    setMe(null);
    setStatus('anonymous');
  }, []);

  const api = useMemo(() => new ApiClient(token, () => {
    // The token expired or was revoked: back to the login page.
    storeToken(null);
    setToken(null);
    setMe(null);
    setStatus('anonymous');
  }), [token]);

  // Who am I, for the stored token.
  useEffect(() => {
    if (!token) return;
    const ac = new AbortController();
    setStatus('loading');
    api.me(ac.signal).then((w) => {
      setMe(w);
      setStatus('ready');
    }, (e: unknown) => {
      if (ac.signal.aborted) return;
      if (e instanceof ApiError && e.status === 401) return; // onUnauthenticated already reset
      setError(e instanceof Error ? e.message : String(e));
      setStatus('anonymous');
    });
    return () => ac.abort();
  }, [api, token]);

  // Names for ids in tables: tenants, users and projects the caller may see. Cosmetic (tables show ids
  // until they arrive), so they wait a moment and do not compete with the page's own first requests
  // on the server (bench/portal-render.ts measured the first job row ~100 ms later with them in parallel).
  useEffect(() => {
    if (!me) return;
    const ac = new AbortController();
    const timer = setTimeout(() => {
      api.tenants(ac.signal).then((r) => { setTenants(r.items); setDirectoryLoaded(true); }, () => setDirectoryLoaded(true));
      api.users(ac.signal).then((r) => setUsers(r.items), () => {});
      api.projects(ac.signal).then((r) => setProjects(r.items), () => {});
    }, directoryVersion === 0 ? 300 : 0);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
  }, [api, me, directoryVersion]);

  // One live connection per session.
  useEffect(() => {
    if (!me) return;
    const ac = new AbortController();
    let delay = 1000;
    let first = true;
    (async () => {
      while (!ac.signal.aborted) {
        setLive('connecting');
        try {
          await api.streamJobs((batch) => {
            for (const l of listeners.current) l(batch, false);
          }, ac.signal, () => {
            setLive('open');
            delay = 1000;
            if (!first) for (const l of listeners.current) l([], true);
            first = false;
          });
        } catch (e) {
          if (ac.signal.aborted) return;
          if (e instanceof ApiError && e.status === 401) return;
        }
        if (ac.signal.aborted) return;
        setLive('offline');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    })();
    return () => ac.abort();
  }, [api, me]);

  const login = useCallback(async (newToken: string, remember: boolean) => {
    setError(null);
    // Check the token before keeping it, so a wrong one is reported on the login form.
    const w = await new ApiClient(newToken).me();
    storeToken(newToken, remember);
    setMe(w);
    setToken(newToken);
    setStatus('ready');
  }, []);

  const session = useMemo<Session | null>(() => {
    if (!me || !token) return null;
    const tenantById = new Map(tenants.map((t) => [t.id, t]));
    const userById = new Map(users.map((u) => [u.id, u]));
    const projectById = new Map(projects.map((p) => [p.id, p]));
    return {
      api,
      me,
      isOperator: me.user.role === 'operator',
      live,
      subscribe(fn) {
        listeners.current.add(fn);
        return () => listeners.current.delete(fn);
      },
      logout,
      // Until the directory arrives, an unknown id shows as nothing rather than flashing the raw id.
      tenantName: (id) => tenantById.get(id)?.slug ?? (me.tenant?.id === id ? me.tenant.slug : directoryLoaded ? id : ''),
      userName: (id) => userById.get(id)?.email ?? (me.user.id === id ? me.user.email : directoryLoaded ? id : ''),
      projectName: (id) => projectById.get(id)?.slug ?? me.projects.find((p) => p.id === id)?.slug ?? id,
      tenants,
      users,
      refreshDirectory: () => setDirectoryVersion((v) => v + 1),
    };
  }, [api, me, token, live, logout, tenants, users, projects, directoryLoaded]);

  const value = useMemo<AuthState>(() => ({ status, session, login, error }), [status, session, login, error]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** The session, for pages that are only shown when logged in. */
export function useSession(): Session {
  const s = useAuth().session;
  if (!s) throw new Error('useSession without a session');
  return s;
}

/** Calls `fn` on job changes (debounced by the server's 250 ms batching) while the component is mounted. */
export function useJobChanges(fn: ChangeListener): void {
  const { subscribe } = useSession();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe((c, r) => ref.current(c, r)), [subscribe]);
}
