/**
 * HTTP hardening (issue 15): security headers on the portal, the API and /docs (a CSP with no inline
 * script, frame-ancestors 'none', nosniff, a referrer policy; HSTS only over TLS); errors before any route
 * runs — a body over the limit, a wrong content type, a malformed URL, a URL or headers too large, a
 * malformed request line — answered as problem details with the right status, and nothing changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server/start.ts';
import { client, DEMO_INVENTORY, startTestServer, type TestServer } from './helpers/server.ts';

let s: TestServer;
beforeAll(async () => { s = await startTestServer(); }, 60_000);
afterAll(async () => s?.close());

/** Sends raw bytes and returns the whole answer (status line, headers, body). */
function raw(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () => sock.end(request));
    let out = '';
    sock.on('data', (d) => (out += d.toString()));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

describe('HTTP hardening', () => {
  it('sends the security headers on the portal, the API and the docs, and no HSTS over plain HTTP', async () => {
    for (const path of ['/', '/v1/me', '/docs/', '/healthz']) {
      const r = await fetch(s.url + path);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/script-src 'self'(;|$)/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(r.headers.get('strict-transport-security'), path).toBeNull();
    }
    // The portal's page itself has no inline script left for the policy to block.
    const html = await (await fetch(s.url + '/')).text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).toContain('<script src="/theme.js"></script>');
    expect((await fetch(s.url + '/theme.js')).status).toBe(200);
  });

  it('answers errors before any route as problem details, changing nothing', async () => {
    const admin = client(s.url, s.adminToken);
    const before = (await admin.get('/v1/tenants')).body.items.length;
    const big = await fetch(`${s.url}/v1/tenants`, {
      method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'big-co', name: 'x'.repeat(10 * 1024 * 1024), kind: 'startup', sector: 'other' }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
    expect(await big.json()).toMatchObject({ code: 'payload_too_large', status: 413 });

    const media = await fetch(`${s.url}/v1/tenants`, { method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'text/csv' }, body: 'slug,name' });
    expect(media.status).toBe(415);
    expect(await media.json()).toMatchObject({ code: 'unsupported_media_type' });
    expect((await admin.get('/v1/tenants')).body.items.length).toBe(before);

    const badUrl = await fetch(`${s.url}/v1/jobs/%E0%A4%A`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers.get('content-type')).toContain('application/problem+json');

    const longUrl = await raw(s.url, `GET /v1/jobs?name=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(longUrl).toMatch(/^HTTP\/1\.1 (414|431) /);
    expect(longUrl).toContain('application/problem+json');
    expect(problemOf(longUrl).code).toMatch(/uri_too_long|headers_too_large/);

    const bigHeaders = await raw(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(bigHeaders).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemOf(bigHeaders)).toMatchObject({ code: 'headers_too_large', status: 431 });

    const garbage = await raw(s.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(problemOf(garbage)).toMatchObject({ code: 'validation_failed' });
    // The server still answers.
    expect((await fetch(s.url + '/healthz')).status).toBe(200);
  });

  it('serves HTTPS with --tls-cert/--tls-key and then sends HSTS; a missing key fails at start, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cheomdan-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    await expect(startServer({ host: '127.0.0.1', port: 0, home: join(dir, 'home0'), inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tlsCertPath: cert }))
      .rejects.toThrow(/give both --tls-cert and --tls-key/);
    const server = await startServer({ host: '127.0.0.1', port: 0, home: join(dir, 'home'), inventoryPath: DEMO_INVENTORY, logLevel: 'silent', tlsCertPath: cert, tlsKeyPath: key });
    try {
      expect(server.url).toMatch(/^https:\/\//);
      const r = await server.app.inject({ method: 'GET', url: '/healthz' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    } finally {
      await server.close();
    }
  });
});
