/**
 * The client against real HTTP servers on loopback: a tiny node:http server that answers what a Cheomdan
 * server (or a proxy in front of one) may answer. The full CLI against the real server is in test/cli.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, CheomdanClient, ConnectionError, ProtocolError } from './client.ts';

let server: Server;
let base: string;
const seen: { method?: string; url?: string; auth?: string; body?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      if (req.url === '/v1/jobs/job_missing') {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'https://cheomdan.dev/problems/not_found', title: 'Not found', status: 404, detail: 'no job "job_missing"', code: 'not_found' }));
      } else if (req.url === '/v1/jobs' && req.method === 'POST') {
        res.writeHead(400, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({
          type: 'https://cheomdan.dev/problems/validation_failed', title: 'The request is not valid', status: 400,
          detail: '1 field is not valid', code: 'validation_failed', errors: [{ path: 'tasks', message: 'must be at least 1' }],
        }));
      } else if (req.url === '/v1/me') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ user: { id: 'u1' } })); // not a Whoami
      } else if (req.url === '/v1/jobs/job_cut/logs?stream=stdout&follow=true' || req.url === '/v1/jobs/job_cut/logs?stream=stdout') {
        // The connection breaks after the first bytes (a proxy cutting an idle stream, a reset).
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first ');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/v1/jobs/job_cut/logs?stream=stdout&offset=6&follow=true') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('second\n');
      } else if (req.url?.startsWith('/v1/jobs/job_1/logs')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('line 1\n');
        setTimeout(() => res.end('line 2\n'), 20);
      } else {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>Bad gateway</html>');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('CheomdanClient', () => {
  it('turns a problem document into an ApiError with code, title, detail and field errors', async () => {
    const c = new CheomdanClient({ baseUrl: base, token: 'tok' });
    const e = await c.submitJob({ command: ['true'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, code: 'validation_failed', title: 'The request is not valid', errors: [{ path: 'tasks', message: 'must be at least 1' }] });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', auth: 'Bearer tok', body: '{"command":["true"]}' });
    await expect(c.getJob('job_missing')).rejects.toMatchObject({ status: 404, code: 'not_found', detail: 'no job "job_missing"' });
  });

  it('a non-problem error body (a proxy page) still becomes a readable ApiError', async () => {
    const e = await new CheomdanClient({ baseUrl: base }).capacity().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 502, code: 'internal', detail: '<html>Bad gateway</html>' });
  });

  it('an answer that breaks the contract is a ProtocolError naming the route', async () => {
    const e = await new CheomdanClient({ baseUrl: base }).me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as Error).message).toContain('GET /v1/me');
  });

  it('streams logs chunk by chunk', async () => {
    let text = '';
    for await (const chunk of new CheomdanClient({ baseUrl: base }).logs('job_1', { follow: true, stream: 'stderr' })) {
      text += Buffer.from(chunk).toString();
    }
    expect(text).toBe('line 1\nline 2\n');
    expect(seen.at(-1)?.url).toBe('/v1/jobs/job_1/logs?stream=stderr&follow=true');
  });

  it('a followed log stream that breaks is resumed from the last byte received', async () => {
    let text = '';
    for await (const chunk of new CheomdanClient({ baseUrl: base }).logs('job_cut', { follow: true })) text += Buffer.from(chunk).toString();
    expect(text).toBe('first second\n');
    expect(seen.at(-1)?.url).toBe('/v1/jobs/job_cut/logs?stream=stdout&offset=6&follow=true');
  });

  it('a log stream that breaks without --follow is an error, not a silent truncation', async () => {
    const read = async () => {
      for await (const _ of new CheomdanClient({ baseUrl: base }).logs('job_cut', { follow: false })) void _;
    };
    const e = await read().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toContain('the log stream from');
  });

  it('a refused connection is a ConnectionError that says how to start the server', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await new CheomdanClient({ baseUrl: `http://127.0.0.1:${port}` }).me().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toBe(`cannot reach Cheomdan at http://127.0.0.1:${port} — is the server running? start it with \`npm start\` (or \`cheomdan serve\`) [ECONNREFUSED]`);
  });
});
