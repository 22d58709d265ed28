/**
 * The portal route (src/api/routes/portal.ts) on its own, with app.inject(): files and cache headers,
 * the single-page-app fallback, API paths never answered with the app, no way out of the folder, and the
 * "not built" page.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalRoutes } from '../../src/api/routes/portal.ts';

let dir: string;
let app: FastifyInstance;

async function appFor(root: string): Promise<FastifyInstance> {
  const a = Fastify();
  a.setNotFoundHandler((req, reply) => reply.code(404).type('application/problem+json').send({ code: 'not_found', detail: `no route ${req.url}` }));
  a.get('/v1/me', async () => ({ me: true }));
  await a.register(portalRoutes({ dir: root }));
  return a;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cheomdan-portal-route-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>portal</title>');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the portal');
  app = await appFor(join(dir, 'dist'));
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('portal route', () => {
  it('serves index.html at / and hashed assets with a long cache', async () => {
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>portal</title>');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('answers any other page path with the app, but a missing file with 404', async () => {
    const deep = await app.inject({ url: '/jobs/job_123?x=1' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>portal</title>');
    expect((await app.inject({ url: '/assets/index-old.js' })).statusCode).toBe(404);
  });

  it('never answers API paths with the app', async () => {
    expect((await app.inject({ url: '/v1/me' })).json()).toEqual({ me: true });
    for (const url of ['/v1/nope', '/v1', '/healthz/x', '/docs/x', '/metrics/x']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toContain('problem+json');
    }
  });

  it('does not serve files outside the portal folder', async () => {
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await app.inject({ url });
      expect(r.body, url).not.toContain('outside the portal');
    }
    expect((await app.inject({ url: '/%E0%A4%A' })).statusCode).toBe(400); // a malformed escape is the client's error, not a 500
  });

  it('says how to build the portal when web/dist is missing', async () => {
    const bare = await appFor(join(dir, 'no-such-dist'));
    const r = await bare.inject({ url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:web');
    expect((await bare.inject({ url: '/v1/me' })).json()).toEqual({ me: true });
    await bare.close();
  });
});
