/**
 * The real Slurm test cluster for test/slurm: started (idempotently, ~8 s; first time installs Debian
 * packages) by scripts/slurm-test-cluster.sh. Needs root. Where it cannot start, the Slurm tests fail with
 * the reason - unless CHEOMDAN_SKIP_SLURM=1, which skips them.
 *
 * Jobs run as the Linux user `chdjob` (created here): slurmrestd runs jobs as the token's user, who must
 * exist and be able to write the job's working directory and log files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SKIP_SLURM = process.env.CHEOMDAN_SKIP_SLURM === '1';
export const SCRIPT = resolve(import.meta.dirname, '../../scripts/slurm-test-cluster.sh');
export const JOB_USER = 'chdjob';

export interface SlurmTestCluster {
  restUrl: string;
  jwtKeyFile: string;
  /** A token for root (no key needed): slurmrestd lets it act for the user named in X-SLURM-USER-NAME. */
  rootJwt: string;
  partition: string;
  nodes: string[];
  gpusPerNode: number;
  uid: number;
  gid: number;
}

/** Commands with a clean environment: sbatch & co. read SLURM_* variables as inputs. */
export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

let started: SlurmTestCluster | undefined;

export function ensureSlurmCluster(): SlurmTestCluster {
  if (started) return started;
  if (process.getuid?.() !== 0) {
    throw new Error('the Slurm tests start a real Slurm test cluster (scripts/slurm-test-cluster.sh) and need root '
      + '(and apt the first time). Run them as root, or set CHEOMDAN_SKIP_SLURM=1 to skip them.');
  }
  const r = spawnSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', timeout: 900_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root' } });
  if (r.status !== 0) {
    throw new Error(`scripts/slurm-test-cluster.sh start failed (exit ${r.status}); set CHEOMDAN_SKIP_SLURM=1 to skip the Slurm tests.\n${(r.stderr + r.stdout).slice(-3000)}`);
  }
  if (spawnSync('id', [JOB_USER]).status !== 0) sh('useradd', ['--create-home', '--shell', '/bin/bash', JOB_USER]);
  const env = Object.fromEntries(readFileSync('/etc/slurm/test-cluster.env', 'utf8').split('\n')
    .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const count = Number(env.SLURMTEST_NODES);
  resetCluster();
  started = {
    restUrl: env.SLURMTEST_REST_URL ?? 'http://127.0.0.1:6820',
    jwtKeyFile: env.SLURMTEST_JWT_KEY ?? '/var/spool/slurmctld/jwt_hs256.key',
    rootJwt: env.SLURMTEST_JWT ?? '',
    partition: env.SLURMTEST_PARTITION ?? 'gpu',
    nodes: Array.from({ length: count }, (_, i) => `node${i + 1}`),
    gpusPerNode: Number(env.SLURMTEST_GPUS_PER_NODE),
    uid: Number(sh('id', ['-u', JOB_USER]).trim()),
    gid: Number(sh('id', ['-g', JOB_USER]).trim()),
  };
  return started;
}

/**
 * Cancels what an earlier (failed) run of these tests left behind - Cheomdan's jobs (named chd-*) and its
 * test user's - and resumes nodes it left down or drained. Other users' jobs are left alone.
 */
export function resetCluster(): void {
  const ids = sh('squeue', ['-h', '-o', '%i %j %u']).split('\n').filter(Boolean)
    .map((l) => l.split(' ')).filter(([, name = '', user]) => name.startsWith('chd-') || user === JOB_USER).map(([id]) => id ?? '');
  if (ids.length) spawnSync('scancel', ids);
  for (const line of sh('sinfo', ['-h', '-N', '-o', '%N %T']).split('\n').filter(Boolean)) {
    const [node, state = ''] = line.split(' ');
    if (node && /down|drain|fail/.test(state)) spawnSync('scontrol', ['update', `nodename=${node}`, 'state=resume']);
  }
}

/** A fresh directory the job user can write (working directory and logs). */
export function jobDir(c: SlurmTestCluster, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `chd-slurm-${name}-`));
  chownSync(dir, c.uid, c.gid);
  return dir;
}

export function scontrol(...args: string[]): string {
  return sh('scontrol', args);
}

export function nodeStateOf(node: string): string {
  return sh('sinfo', ['-h', '-n', node, '-N', '-o', '%T']).trim();
}

export function clusterScript(cmd: string): string {
  return execFileSync('bash', [SCRIPT, cmd], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root' }, timeout: 120_000 });
}
