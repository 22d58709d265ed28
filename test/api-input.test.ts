/**
 * Bad input on every endpoint: a clear RFC 9457 problem (code, what and where) and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../src/contract/index.ts';
import { client, startTestServer, tenantWithOwner, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let acme: Client;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  acme = (await tenantWithOwner(s.url, admin, 'acme-ai')).owner;
});
afterAll(async () => s?.close());

const jobCount = async () => (await admin.get('/v1/jobs?limit=500')).body.items.length;

interface Case {
  method: 'get' | 'post' | 'patch' | 'del';
  path: string;
  body?: unknown;
  as?: 'admin' | 'acme' | 'anonymous';
  wantStatus: number;
  wantCode: string;
  /** A substring the detail must contain (says what was wrong). */
  wantDetail: RegExp;
  /** A field path the errors must name. */
  wantPath?: string;
}

const cases: Record<string, Case> = {
  'job: unknown field': { method: 'post', path: '/v1/jobs', body: { command: ['true'], gpus: 2 }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /gpus/ },
  'job: neither command nor script': { method: 'post', path: '/v1/jobs', body: { name: 'x' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /exactly one of "command"/, wantPath: 'body.command' },
  'job: both command and script': { method: 'post', path: '/v1/jobs', body: { command: ['true'], script: 'true' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /exactly one/ },
  'job: negative devices': { method: 'post', path: '/v1/jobs', body: { command: ['true'], devicesPerTask: -1 }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /devicesPerTask/, wantPath: 'body.devicesPerTask' },
  'job: time limit too long': { method: 'post', path: '/v1/jobs', body: { command: ['true'], timeLimitSeconds: 99_999_999 }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /timeLimitSeconds/ },
  'job: relative working directory': { method: 'post', path: '/v1/jobs', body: { command: ['true'], workingDirectory: 'data' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /absolute path/ },
  'job: bad environment name': { method: 'post', path: '/v1/jobs', body: { command: ['true'], environment: { 'BAD-NAME': 'x' } }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /letters, digits/ },
  'job: unknown accelerator type': { method: 'post', path: '/v1/jobs', body: { command: ['true'], devicesPerTask: 1, acceleratorTypes: ['tpu-v5'] }, wantStatus: 422, wantCode: 'unknown_accelerator_type', wantDetail: /unknown accelerator type "tpu-v5"; known: .*nvidia-h100-sxm-80gb/, wantPath: 'acceleratorTypes[0]' },
  'job: can never fit': { method: 'post', path: '/v1/jobs', body: { command: ['true'], devicesPerTask: 64, acceleratorTypes: ['nvidia-h100-sxm-80gb'] }, wantStatus: 422, wantCode: 'unschedulable', wantDetail: /64/ },
  'job: unknown partition': { method: 'post', path: '/v1/jobs', body: { command: ['true'], partition: 'nope' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /no partition "nope"; partitions: /, wantPath: 'partition' },
  'job: unknown project': { method: 'post', path: '/v1/jobs', body: { command: ['true'], project: 'ghost' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /no project "ghost"/, wantPath: 'project' },
  'job: unsupported #SBATCH directive': { method: 'post', path: '/v1/jobs', body: { script: '#!/bin/bash\n#SBATCH --array=1-10\necho hi\n' }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /array/ },
  'job: bad #SBATCH time': { method: 'post', path: '/v1/jobs', body: { script: '#!/bin/bash\n#SBATCH -t soon\necho hi\n' }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /soon/ },
  'job: submit directory missing on the server': { method: 'post', path: '/v1/jobs', body: { command: ['true'], submitDirectory: '/nonexistent/cheomdan-submit-dir' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /submitDirectory \/nonexistent\/cheomdan-submit-dir does not exist on the server/, wantPath: 'submitDirectory' },
  'job: submit directory not a directory': { method: 'post', path: '/v1/jobs', body: { command: ['true'], submitDirectory: '/etc/hostname' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /is not a directory/, wantPath: 'submitDirectory' },
  'job: relative submit directory': { method: 'post', path: '/v1/jobs', body: { command: ['true'], submitDirectory: 'here' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /absolute path/ },
  'job: bad sbatch option on the command line': { method: 'post', path: '/v1/jobs', body: { command: ['true'], sbatchOptions: ['--signal=USR9@60'] }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /--signal=USR9@60: "USR9" is not a signal/, wantPath: 'argv' },
  'job: array with a zero step': { method: 'post', path: '/v1/jobs', body: { script: '#!/bin/bash\n#SBATCH --array=0-9:0\necho hi\n' }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /--array=0-9:0: .*step of 0/ },
  'job: unknown % in -o': { method: 'post', path: '/v1/jobs', body: { script: '#!/bin/bash\n#SBATCH -o out-%q.log\necho hi\n' }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /%q is not a file name pattern/ },
  'job: unparseable --begin': { method: 'post', path: '/v1/jobs', body: { command: ['true'], sbatchOptions: ['--begin', 'someday'] }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /--begin=someday: not a date or time; Slurm accepts/ },
  'job: relative --chdir without a submit directory': { method: 'post', path: '/v1/jobs', body: { script: '#!/bin/bash\n#SBATCH -D runs\necho hi\n' }, wantStatus: 400, wantCode: 'bad_script', wantDetail: /relative/ },
  'job: malformed JSON': { method: 'post', path: '/v1/jobs', body: '{"command": [', wantStatus: 400, wantCode: 'validation_failed', wantDetail: /JSON/i },
  'jobs: unknown state filter': { method: 'get', path: '/v1/jobs?state=runnin', wantStatus: 400, wantCode: 'validation_failed', wantDetail: /unknown state "runnin"; valid: pending/ },
  'jobs: limit out of range': { method: 'get', path: '/v1/jobs?limit=0', wantStatus: 400, wantCode: 'validation_failed', wantDetail: /limit/ },
  'job: unknown id': { method: 'get', path: '/v1/jobs/job_nope', wantStatus: 404, wantCode: 'not_found', wantDetail: /no job "job_nope"/ },
  'cancel: unknown id': { method: 'post', path: '/v1/jobs/job_nope/cancel', wantStatus: 404, wantCode: 'not_found', wantDetail: /no job/ },
  'logs: bad stream': { method: 'get', path: '/v1/jobs/job_nope/logs?stream=stdin', wantStatus: 400, wantCode: 'validation_failed', wantDetail: /stream/ },
  'tenant: bad slug': { method: 'post', path: '/v1/tenants', as: 'admin', body: { slug: 'Acme AI', name: 'x', kind: 'startup' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /lowercase letters/, wantPath: 'body.slug' },
  'tenant: bad kind': { method: 'post', path: '/v1/tenants', as: 'admin', body: { slug: 'zeta', name: 'x', kind: 'company' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /kind/ },
  'tenant: duplicate slug': { method: 'post', path: '/v1/tenants', as: 'admin', body: { slug: 'acme-ai', name: 'x', kind: 'startup' }, wantStatus: 409, wantCode: 'conflict', wantDetail: /slug/ },
  'tenant: not an operator': { method: 'post', path: '/v1/tenants', body: { slug: 'mine', name: 'x', kind: 'startup' }, wantStatus: 403, wantCode: 'forbidden', wantDetail: /only operators/ },
  'user: bad email': { method: 'post', path: '/v1/users', as: 'admin', body: { email: 'nobody', name: 'x', role: 'member', tenant: 'acme-ai' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /email/ },
  'user: member without tenant': { method: 'post', path: '/v1/users', as: 'admin', body: { email: 'a@b.example', name: 'x', role: 'member' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /needs a tenant/, wantPath: 'tenant' },
  'user: short password': { method: 'post', path: '/v1/users', as: 'admin', body: { email: 'a@b.example', name: 'x', role: 'member', tenant: 'acme-ai', password: 'short' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /10 characters/ },
  'user: owner creates operator': { method: 'post', path: '/v1/users', body: { email: 'op@b.example', name: 'x', role: 'operator' }, wantStatus: 403, wantCode: 'forbidden', wantDetail: /only operators/ },
  'user: duplicate email': { method: 'post', path: '/v1/users', as: 'admin', body: { email: 'owner@acme-ai.example', name: 'x', role: 'member', tenant: 'acme-ai' }, wantStatus: 409, wantCode: 'conflict', wantDetail: /email/ },
  'project: bad slug': { method: 'post', path: '/v1/projects', body: { slug: '-x', name: 'x' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /slug/ },
  'project: duplicate slug': { method: 'post', path: '/v1/projects', body: { slug: 'default', name: 'x' }, wantStatus: 409, wantCode: 'conflict', wantDetail: /slug/ },
  'project: operator without tenant': { method: 'post', path: '/v1/projects', as: 'admin', body: { slug: 'ops-x', name: 'x' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /which tenant/ },
  'login: wrong password': { method: 'post', path: '/v1/auth/login', as: 'anonymous', body: { email: 'owner@acme-ai.example', password: 'wrong' }, wantStatus: 401, wantCode: 'unauthenticated', wantDetail: /wrong email or password/ },
  'login: missing field': { method: 'post', path: '/v1/auth/login', as: 'anonymous', body: { email: 'owner@acme-ai.example' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /password/ },
  'token: bad expiry': { method: 'post', path: '/v1/tokens', body: { name: 'ci', expiresInDays: 0 }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /expiresInDays/ },
  'token: revoke unknown': { method: 'del', path: '/v1/tokens/tok_nope', wantStatus: 404, wantCode: 'not_found', wantDetail: /no token/ },
  'node: bad state': { method: 'patch', path: '/v1/nodes/gpu-001', as: 'admin', body: { state: 'broken' }, wantStatus: 400, wantCode: 'validation_failed', wantDetail: /state/ },
  'node: unknown node': { method: 'patch', path: '/v1/nodes/nope', as: 'admin', body: { state: 'down' }, wantStatus: 404, wantCode: 'not_found', wantDetail: /no node "nope"/ },
  'node: not an operator': { method: 'patch', path: '/v1/nodes/nope', body: { state: 'down' }, wantStatus: 403, wantCode: 'forbidden', wantDetail: /only operators/ },
  'audit: not an operator': { method: 'get', path: '/v1/audit', wantStatus: 403, wantCode: 'forbidden', wantDetail: /only operators can read the audit log/ },
  'audit: bad limit': { method: 'get', path: '/v1/audit?limit=5000', as: 'admin', wantStatus: 400, wantCode: 'validation_failed', wantDetail: /limit/ },
  'no token': { method: 'get', path: '/v1/jobs', as: 'anonymous', wantStatus: 401, wantCode: 'unauthenticated', wantDetail: /Authorization: Bearer/ },
  'unknown route': { method: 'get', path: '/v1/nothing', wantStatus: 404, wantCode: 'not_found', wantDetail: /no route GET \/v1\/nothing/ },
};

describe('bad input gets a clear problem and changes nothing', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const who = c.as === 'admin' ? admin : c.as === 'anonymous' ? client(s.url) : acme;
      const before = await jobCount();
      const tenantsBefore = (await admin.get('/v1/tenants')).body.items.length;
      const usersBefore = (await admin.get('/v1/users')).body.items.length;
      let r;
      if (typeof c.body === 'string') {
        const res = await fetch(s.url + c.path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.adminToken}` }, body: c.body });
        r = { status: res.status, body: await res.json(), headers: res.headers };
      } else {
        r = c.method === 'get' || c.method === 'del' ? await who[c.method](c.path) : await who[c.method](c.path, c.body);
      }
      expect(r.status).toBe(c.wantStatus);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const p = Problem.parse(r.body);
      expect(p.code).toBe(c.wantCode);
      expect(p.type).toBe(`https://cheomdan.dev/problems/${c.wantCode}`);
      expect(p.detail).toMatch(c.wantDetail);
      if (c.wantPath) expect(p.errors?.map((e) => e.path)).toContain(c.wantPath);
      expect(await jobCount()).toBe(before);
      expect((await admin.get('/v1/tenants')).body.items.length).toBe(tenantsBefore);
      expect((await admin.get('/v1/users')).body.items.length).toBe(usersBefore);
    });
  }
});
