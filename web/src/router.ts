/**
 * A tiny hash router: `#/jobs/job_123?state=pending` → { path: ['jobs', 'job_123'], query }. Hash URLs
 * need nothing from the server (any path serves index.html anyway) and survive reloads.
 */
import { useEffect, useState } from 'react';

export interface Route {
  path: string[];
  query: URLSearchParams;
  /** The hash without '#', e.g. "/jobs?state=pending". */
  raw: string;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [p = '/', q = ''] = raw.split('?', 2);
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q), raw };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** href for a route, e.g. href('jobs', id) → "#/jobs/<id>". */
export const href = (...parts: string[]) => '#/' + parts.map(encodeURIComponent).join('/');

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) location.replace(to);
  else location.hash = to.replace(/^#/, '');
}
