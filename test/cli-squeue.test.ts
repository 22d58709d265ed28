/**
 * `cheomdan squeue` as a Slurm user types it, against a real server: the default columns with a running job
 * on its node and a pending one with its reason, `-h`, `-o` with Slurm's fields, `-t`, `-u`, and a bad
 * format refused with exit code 2; `cheomdan sinfo` and `-N`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { client, startTestServer, tenantWithOwner, waitForJob, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let owner: Client;
let token = '';
let running = '';
let pending = '';
let done = '';
const cli = (args: string[]) => runCli(args, { env: { CHEOMDAN_URL: s.url, CHEOMDAN_TOKEN: token, CHEOMDAN_CONFIG: '/nonexistent/c.json' } });

beforeAll(async () => {
  s = await startTestServer();
  const t = await tenantWithOwner(s.url, client(s.url, s.adminToken), 'slurm-habits');
  owner = t.owner;
  token = owner.token;
  done = (await owner.post('/v1/jobs', { name: 'quick', command: ['true'] })).body.id;
  await waitForJob(owner, done);
  running = (await owner.post('/v1/jobs', { name: 'train', command: ['sleep', '60'], devicesPerTask: 1, acceleratorTypes: ['h100'] })).body.id;
  await waitForJob(owner, running, ['running']);
  // Waits for the running one (a dependency): pending with a reason.
  const p = await owner.post('/v1/jobs', { script: `#!/bin/sh\n#SBATCH -J huge\n#SBATCH -d afterok:${running}\ntrue\n` });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  pending = p.body.id;
}, 60_000);
afterAll(async () => {
  for (const id of [running, pending]) if (id) await owner.post(`/v1/jobs/${id}/cancel`, {}).catch(() => undefined);
  await s?.close();
});

it('prints the default squeue columns: running on its node, pending with its reason, finished ones left out', async () => {
  const r = await cli(['squeue']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)');
  const run = lines.find((l) => l.includes(running.slice(0, 18)))!;
  expect(run).toMatch(/train\s+owner\s+R\s+\d+:\d\d\s+1 \S+/);
  const pend = lines.find((l) => l.includes(pending.slice(0, 18)))!;
  expect(pend).toMatch(/huge\s+owner\s+PD\s+0:00\s+\d+ \((Dependency|None)\)/);
  expect(r.stdout).not.toContain(done.slice(0, 18));
});

it('-h, -o with Slurm fields, -t and -u as people use them', async () => {
  const o = await cli(['squeue', '-h', '-o', '%i|%t|%j|%u', '-t', 'R']);
  expect(o.code, o.stderr).toBe(0);
  expect(o.stdout.trim()).toBe(`${running}|R|train|owner`);
  const all = await cli(['squeue', '-h', '-o', '%i %T', '-t', 'all']);
  expect(all.stdout).toContain(`${done} COMPLETED`);
  const nobody = await cli(['squeue', '-h', '-u', 'someone-else']);
  expect(nobody.stdout.trim()).toBe('');
  const mine = await cli(['squeue', '-h', '-o', '%i', '-u', 'owner', '-t', 'PD']);
  expect(mine.stdout.trim()).toBe(pending);
});

it('a bad format or state is refused with exit code 2, naming it', async () => {
  const f = await cli(['squeue', '-o', '%i %z']);
  expect(f.code).toBe(2);
  expect(f.stderr).toMatch(/-o: squeue field "%z" is not supported here/);
  const t = await cli(['squeue', '-t', 'WAITING']);
  expect(t.code).toBe(2);
  expect(t.stderr).toMatch(/-t: unknown state "WAITING"/);
});

it('sinfo summarises the partitions and node states; -N one line per node', async () => {
  const r = await cli(['sinfo']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST');
  expect(lines.some((l) => /^\S+\s+up\s+infinite\s+1\s+mix\s+\S+$/.test(l))).toBe(true); // the node running "train" (1 of its GPUs)
  const perNode = await cli(['sinfo', '-N', '-h']);
  const nodes = (await owner.get('/v1/nodes')).body.items.length;
  expect(perNode.stdout.trim().split('\n')).toHaveLength(nodes);
});
