/**
 * Jobs submitted as their owners on Slurm: a Cheomdan user gets a Unix account from services/unixAccounts.ts
 * (created on this host, which is also every test node's host), the job's LaunchSpec carries it as `owner`
 * (no `user`), and Slurm runs the job as that account — through slurmrestd with nothing but a root token
 * (X-SLURM-USER-NAME names the owner), and through the sbatch fallback (`runuser -u OWNER -- sbatch`).
 */
import { execFileSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUserId } from '../../src/core/ids.ts';
import type { JobOwner } from '../../src/executors/types.ts';
import { UnixAccounts } from '../../src/services/unixAccounts.ts';
import { openStore, type OpenedStore } from '../../src/store/index.ts';
import { createTestDatabase, type TestDatabase } from '../../src/store/testing/databases.ts';
import { jobDir, type SlurmTestCluster } from './cluster.ts';
import { aJob, executorFor, read, waitExit } from './helpers.ts';

export function ownerSuite(cluster: () => SlurmTestCluster) {
  describe.sequential('Slurm jobs run as their owners', () => {
    let c: SlurmTestCluster;
    let db: TestDatabase;
    let store: OpenedStore;
    let owner: JobOwner;
    beforeAll(async () => {
      c = cluster();
      db = await createTestDatabase('sqlite');
      store = await openStore(db.options);
      const user = await store.users.create({ id: asUserId(`usr_slurmowner${process.pid}`), email: `slurm-owner-${process.pid}@example.org`, name: 'S', role: 'member' });
      owner = await new UnixAccounts({ store }, { firstUid: 79_700, lastUid: 79_799, homeBase: '/tmp' }).ownerFor(user);
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
      if (owner) {
        for (const cmd of [['userdel', '--remove', owner.userName], ['groupdel', owner.userName]]) {
          try {
            execFileSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
          } catch {
            // gone already
          }
        }
      }
    });

    const transports: Record<string, () => ReturnType<typeof executorFor>> = {
      'slurmrestd with a root token and X-SLURM-USER-NAME': () => executorFor(c, { jwtKeyFile: undefined, rootJwt: c.rootJwt, cliFallback: false }),
      'the sbatch fallback through runuser': () => executorFor(c, { restUrl: undefined }),
    };
    for (const [name, make] of Object.entries(transports)) {
      it(`submits as the owner's account: ${name}`, async () => {
        const ex = make();
        try {
          const spec = aJob(c, 'owner').script('echo "$(id -un) $(id -u)"').build();
          delete spec.user;
          spec.owner = owner;
          const dir = jobDir(c, 'owner');
          chownSync(dir, owner.uid, owner.gid);
          Object.assign(spec, { workingDirectory: dir, stdoutPath: `${dir}/stdout.log`, stderrPath: `${dir}/stderr.log` });
          const o = await waitExit(ex, await ex.start(spec));
          expect(o).toMatchObject({ state: 'exited', exitCode: 0 });
          expect(read(spec.stdoutPath).trim()).toBe(`${owner.userName} ${owner.uid}`);
        } finally {
          await ex.close();
        }
      });
    }
  });
}
