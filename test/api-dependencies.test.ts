/**
 * Job dependencies and the SLURM_* environment through the real HTTP API (issue 16): `--dependency` given
 * as an sbatch option or an #SBATCH line holds a job with Slurm's reasons until the jobs it names are where
 * it says, and bad dependencies are refused at submit, changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitFor, waitForJob, type Client, type TestServer } from './helpers/server.ts';

let s: TestServer;
let admin: Client;
let acme: Client;
let other: Client;

beforeAll(async () => {
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  acme = (await tenantWithOwner(s.url, admin, 'dep-acme')).owner;
  other = (await tenantWithOwner(s.url, admin, 'dep-other')).owner;
});
afterAll(async () => s?.close());

const submit = (c: Client, script: string, sbatchOptions?: string[]) => c.post('/v1/jobs', { script, ...(sbatchOptions ? { sbatchOptions } : {}) });
const count = async (c: Client) => (await c.get('/v1/jobs?limit=500')).body.items.length;

describe('dependencies', () => {
  it('afterok: the dependent job waits with reason dependency, then starts after its target succeeded', async () => {
    const a = await submit(acme, '#!/bin/sh\nsleep 4\necho first\n');
    expect(a.status).toBe(201);
    const b = await submit(acme, '#!/bin/sh\necho second\n', ['--dependency', `afterok:${a.body.id}`]);
    expect(b.status).toBe(201);
    const held = await waitFor(() => acme.get(`/v1/jobs/${b.body.id}`), (r) => r.body.pendingReason === 'dependency', 10_000, 'the dependency hold');
    expect(held.body.state).toBe('pending');
    const first = await waitForJob(acme, a.body.id);
    const second = await waitForJob(acme, b.body.id);
    expect(first.state).toBe('succeeded');
    expect(second.state).toBe('succeeded');
    expect(Date.parse(second.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.endedAt));
  });

  it('afterok on a job that failed: DependencyNeverSatisfied; with --kill-on-invalid-dep=yes the job is cancelled', async () => {
    const a = await submit(acme, '#!/bin/sh\nexit 4\n');
    const keep = await submit(acme, '#!/bin/sh\necho never\n', ['-d', `afterok:${a.body.id}`]);
    const kill = await submit(acme, `#!/bin/sh\n#SBATCH --dependency=afterok:${a.body.id}\n#SBATCH --kill-on-invalid-dep=yes\necho never\n`);
    expect([keep.status, kill.status]).toEqual([201, 201]);
    expect((await waitForJob(acme, a.body.id)).state).toBe('failed');
    const never = await waitFor(() => acme.get(`/v1/jobs/${keep.body.id}`), (r) => r.body.pendingReason === 'dependency_never_satisfied', 10_000, 'never satisfied');
    expect(never.body.state).toBe('pending');
    const cancelled = await waitForJob(acme, kill.body.id);
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    expect(cancelled.failureReason).toMatch(/can never be satisfied \(--kill-on-invalid-dep=yes\)/);
    await acme.post(`/v1/jobs/${keep.body.id}/cancel`, {});
  });

  it('afternotok and afterany follow the target to its end; ? needs any one clause', async () => {
    const bad = await submit(acme, '#!/bin/sh\nexit 1\n');
    const good = await submit(acme, '#!/bin/sh\nexit 0\n');
    const notok = await submit(acme, '#!/bin/sh\necho ran\n', ['--dependency', `afternotok:${bad.body.id}`]);
    const any = await submit(acme, '#!/bin/sh\necho ran\n', ['--dependency', `afterany:${bad.body.id}:${good.body.id}`]);
    const either = await submit(acme, '#!/bin/sh\necho ran\n', ['--dependency', `afterok:${bad.body.id}?afterok:${good.body.id}`]);
    for (const j of [notok, any, either]) expect((await waitForJob(acme, j.body.id)).state).toBe('succeeded');
  });

  it("refuses an unknown job and another organization's job alike, storing nothing", async () => {
    const theirs = await submit(other, '#!/bin/sh\nsleep 5\n');
    expect(theirs.status).toBe(201);
    const before = await count(acme);
    const unknown = await submit(acme, '#!/bin/sh\ntrue\n', ['--dependency', 'afterok:job_doesnotexist']);
    const foreign = await submit(acme, '#!/bin/sh\ntrue\n', ['--dependency', `afterok:${theirs.body.id}`]);
    for (const r of [unknown, foreign]) {
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors).toEqual([{ path: 'dependency', message: expect.stringMatching(/^unknown job /) }]);
    }
    expect(foreign.body.detail.replaceAll(theirs.body.id, 'X')).toBe(unknown.body.detail.replaceAll('job_doesnotexist', 'X'));
    expect(await count(acme)).toBe(before);
    await other.post(`/v1/jobs/${theirs.body.id}/cancel`, {});
  });

  it('refuses a malformed dependency with what Slurm accepts', async () => {
    const before = await count(acme);
    const r = await submit(acme, '#!/bin/sh\ntrue\n', ['--dependency', 'afterwards:123']);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_script');
    expect(r.body.detail).toMatch(/dependency/);
    expect(await count(acme)).toBe(before);
  });
});

describe('the SLURM_* environment of a local job', () => {
  it('shows the job name, partition, CPUs per task and memory as given, and no SLURM_NTASKS without -n', async () => {
    const r = await submit(acme, '#!/bin/bash\n#SBATCH -J envcheck\n#SBATCH -c 2\n#SBATCH --mem=512M\necho "$SLURM_JOB_ID|$SLURM_JOB_NAME|$SLURM_CPUS_PER_TASK|$SLURM_MEM_PER_NODE|${SLURM_NTASKS-unset}|$SLURM_JOB_PARTITION|$SLURM_NNODES"\n');
    expect(r.status).toBe(201);
    const done = await waitForJob(acme, r.body.id);
    expect(done.state).toBe('succeeded');
    expect((await acme.get(`/v1/jobs/${r.body.id}/logs`)).body).toBe(`${r.body.id}|envcheck|2|512|unset|${done.partition}|1\n`);
  });
});
