/**
 * The web portal at /: the files of web/dist (built by `vite build web`), and index.html for any other
 * path that is not the API, so the single-page app can be reloaded anywhere. Hashed assets
 * (/assets/*-<hash>.js) are cached for a year; index.html is never cached, so a new build is picked up
 * on the next load. Files are looked up per request, so rebuilding while the server runs just works.
 *
 * If web/dist is missing (a fresh clone), / answers a short page saying how to build the portal, instead
 * of a bare 404. Paths the API owns (/v1/…, /docs, /openapi.json, /healthz, /metrics) never fall back to
 * the portal: an unknown /v1 route still gets the API's problem document.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** web/dist relative to this file: src/api/routes → ../../../web/dist. */
export const DEFAULT_PORTAL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const API_PREFIXES = ['/v1/', '/v1', '/docs', '/openapi.json', '/healthz', '/metrics'];

const MISSING_PAGE = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cheomdan — portal not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>
<h1>The web portal has not been built</h1>
<p>This server serves the portal from <code>${escapeHtml(dir)}</code>, which does not exist yet. Build it once:</p>
<pre><code>npm run build:web</code></pre>
<p>then reload this page. The API works without it: see <a href="/docs">/docs</a>, or use the <code>cheomdan</code> CLI.</p>
<p lang="ko">웹 포털이 아직 빌드되지 않았습니다. <code>npm run build:web</code>을 실행한 뒤 이 페이지를 새로 고치세요.</p>
</body></html>`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PortalOptions {
  /** Folder with the built portal (index.html, assets/). Default: web/dist of this checkout. */
  dir?: string;
}

export const portalRoutes = (opts: PortalOptions = {}): FastifyPluginAsync => async (app) => {
  const dir = resolve(opts.dir ?? DEFAULT_PORTAL_DIR);
  // serve: false — only decorate reply.sendFile; the route below decides what each path gets.
  await app.register(fastifyStatic, { root: dir, serve: false, cacheControl: false, etag: true, lastModified: true });

  const isApiPath = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    schema: { hide: true },
    handler: async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split('?')[0] ?? '/');
      } catch {
        return reply.callNotFound(); // malformed %-escape
      }
      if (isApiPath(path)) return reply.callNotFound();
      if (!existsSync(join(dir, 'index.html'))) {
        return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(MISSING_PAGE(dir));
      }
      const rel = normalize(path).replace(/^([/\\])+/, '');
      const file = join(dir, rel);
      const inside = file === dir || file.startsWith(dir + sep);
      if (rel !== '' && inside && isFile(file)) {
        const immutable = rel.startsWith(`assets${sep}`) || rel.startsWith('assets/');
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        return reply.sendFile(rel);
      }
      // A missing asset is a 404, not the app: a browser asking for /assets/old-hash.js must not get HTML.
      if (/\.[a-z0-9]{1,8}$/i.test(path) && !path.endsWith('.html')) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    },
  });
};

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
