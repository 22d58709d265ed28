/**
 * LaunchSpec -> Slurm batch job. Pure: no I/O, so every rule here has a unit test.
 *
 * The placement Cheomdan decided becomes Slurm's request: exactly its nodes (--nodelist, --nodes), its
 * GPUs per node (--gres=gpu[:type]:N), its tasks, a time limit, the working directory, stdout/stderr paths
 * and the whole environment. Slurm still chooses the device indices inside each node (gres cannot be asked
 * for by index); a job sees Slurm's choice in CUDA_VISIBLE_DEVICES, which is the lowest free indices and
 * matches Cheomdan's placement whenever Cheomdan is the only scheduler of the partition.
 *
 * The batch script is a fixed wrapper; the job's own script travels in an environment variable
 * (CHEOMDAN_SCRIPT; so it is bounded by the kernel's 128 KiB limit on one argument or variable):
 *   - on one node it runs with bash directly in the batch step (no srun: ~0.1 s less to start);
 *   - on several nodes (a gang) it runs once per node through `srun --ntasks-per-node=1 --kill-on-bad-exit`,
 *     so each node's copy gets that node's devices and one failing copy ends the gang.
 * As with the local executor, the script runs once per node and starts that node's tasks itself
 * (CHEOMDAN_TASKS says how many in all); Slurm's allocation still counts the job's tasks and CPUs.
 * Keeping the user's script out of the batch script's text means `#SBATCH` lines in it are never read, on
 * the REST path and the sbatch path alike: only Cheomdan's placement reaches Slurm.
 */
import { JOB_ENVIRONMENT, type LaunchSpec } from '../types.ts';
import type { SlurmJobRequest } from './client.ts';

export interface SubmissionOptions {
  partition?: string | undefined;
  account?: string | undefined;
  /** Slurm gres type for a Cheomdan accelerator type ("h100"), or undefined for an untyped `gpu:N`. */
  gresType?: ((acceleratorType: string) => string | undefined) | undefined;
  /** Unique per submission, so a retried submit can find a job that did reach Slurm. */
  nonce: string;
  /** PATH for jobs whose environment has none. */
  defaultPath?: string | undefined;
}

/** What the executor stores in the job's comment; read back by observe() after a restart. */
export interface JobComment {
  jobId: string;
  timeLimitSeconds: number;
  nonce: string;
  /** LaunchSpec.attempt, when the spec had one (lookup(jobId, attempt) matches on it). */
  attempt?: number;
}

const COMMENT_PREFIX = 'cheomdan:';

export function formatComment(c: JobComment): string {
  const attempt = c.attempt !== undefined ? `;attempt=${c.attempt}` : '';
  return `${COMMENT_PREFIX}job=${c.jobId};limit=${c.timeLimitSeconds};nonce=${c.nonce}${attempt}`;
}

/** Parses our own comment; null for jobs Cheomdan did not submit. */
export function parseComment(comment: string | undefined): JobComment | null {
  if (!comment?.startsWith(COMMENT_PREFIX)) return null;
  const fields = new Map(comment.slice(COMMENT_PREFIX.length).split(';').map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i), kv.slice(i + 1)] as const;
  }));
  const jobId = fields.get('job');
  const limit = Number(fields.get('limit'));
  if (!jobId || !Number.isFinite(limit)) return null;
  const attempt = fields.has('attempt') ? Number(fields.get('attempt')) : NaN;
  return { jobId, timeLimitSeconds: limit, nonce: fields.get('nonce') ?? '', ...(Number.isInteger(attempt) ? { attempt } : {}) };
}

/** Variables sbatch/srun read as inputs; a job's environment must not carry them in. */
const SLURM_INPUT = /^(SLURM_|SBATCH_|SRUN_|SALLOC_)/;

export function buildSubmission(spec: LaunchSpec, opts: SubmissionOptions): SlurmJobRequest {
  const placement = spec.placement;
  if (placement.length === 0) throw new Error(`job ${spec.jobId} has an empty placement`);
  const nodes = placement.length;
  const tasksPerNode = new Set(placement.map((a) => a.tasks));
  const maxDevices = Math.max(...placement.map((a) => a.devices.length));
  const maxMemory = Math.max(...placement.map((a) => a.memoryMb));
  // Slurm's --gres is per node; an uneven placement gets the largest share on every node (never fewer).
  const gresType = spec.acceleratorType && maxDevices > 0 ? opts.gresType?.(spec.acceleratorType) : undefined;
  const gresPerNode = maxDevices > 0 ? (gresType ? `gpu:${gresType}:${maxDevices}` : `gpu:${maxDevices}`) : undefined;
  const tasks = Math.max(spec.tasks, nodes);
  const perNode = tasksPerNode.size === 1 ? [...tasksPerNode][0] : undefined;
  // only when the placement's tasks add up to the job's (else Slurm refuses -n/--ntasks-per-node)
  const uniformTasks = perNode !== undefined && perNode > 0 && perNode * nodes === tasks ? perNode : undefined;
  const cpusPerTask = uniformTasks
    ? Math.max(1, Math.min(...placement.map((a) => Math.floor(a.cpus / Math.max(1, a.tasks)))))
    : undefined;

  const environment: Record<string, string> = {};
  const owned = new Set<string>([...JOB_ENVIRONMENT, 'CHEOMDAN_TASK_SCRIPT', 'CHEOMDAN_SCRIPT']);
  for (const [k, v] of Object.entries(spec.environment)) if (!SLURM_INPUT.test(k) && !owned.has(k)) environment[k] = v;
  environment.PATH ??= opts.defaultPath ?? '/usr/local/bin:/usr/bin:/bin';
  Object.assign(environment, {
    CHEOMDAN_JOB_ID: spec.jobId,
    CHEOMDAN_NODES: placement.map((a) => a.node).join(','),
    CHEOMDAN_TASKS: String(spec.tasks),
    CHEOMDAN_ACCELERATOR_TYPE: spec.acceleratorType ?? '',
    CHEOMDAN_TIME_LIMIT_SECONDS: String(spec.timeLimitSeconds),
    CHEOMDAN_SCRIPT: spec.script,
    CHEOMDAN_TASK_SCRIPT: taskScript(spec.workingDirectory),
  });

  return {
    name: `chd-${spec.jobId}`.slice(0, 200),
    comment: formatComment({ jobId: spec.jobId, timeLimitSeconds: spec.timeLimitSeconds, nonce: opts.nonce, ...(spec.attempt !== undefined ? { attempt: spec.attempt } : {}) }),
    partition: opts.partition,
    account: opts.account,
    nodeList: placement.map((a) => a.node),
    nodes,
    tasks,
    tasksPerNode: uniformTasks,
    cpusPerTask,
    gresPerNode,
    memoryPerNodeMb: maxMemory > 0 ? maxMemory : undefined,
    // Slurm counts whole minutes; a limit that is not a whole minute is enforced to the second by the
    // executor's watchdog (executor.ts), Slurm's rounded-up limit stays as the backstop.
    timeLimitMinutes: Math.max(1, Math.ceil(spec.timeLimitSeconds / 60)),
    workingDirectory: spec.workingDirectory,
    stdoutPath: spec.stdoutPath,
    stderrPath: spec.stderrPath,
    environment,
    script: batchScript(nodes),
  };
}

/**
 * What runs on each node: the node and device variables the local executor sets, filled from what Slurm
 * gave this node (a node without GPUs gets CUDA_VISIBLE_DEVICES="", which hides every GPU, never unset,
 * which shows them all); then the job's script as a child; then whatever the script left running in the
 * background is ended (SIGTERM, then SIGKILL a second later), as the local executor does. Slurm's
 * proctrack/linuxproc loses such orphans; proctrack/cgroup does not, and this costs nothing there.
 * The runner traps TERM only to keep waiting for the script, which gets Slurm's signals itself; its exit
 * status is the script's (128+N when a signal N ended it).
 */
function taskScript(workingDirectory: string): string {
  const dir = shellQuote(workingDirectory);
  return [
    'unset CHEOMDAN_TASK_SCRIPT',
    // slurmstepd runs a job whose directory is missing in /tmp instead: refuse, as the local executor does
    `cd -- ${dir} || { echo "cheomdan: cannot enter the working directory "${dir} >&2; exit 1; }`,
    // the job's user, as a login would set them (Slurm sets none of these when the environment is given)
    'export USER="${USER:-${SLURM_JOB_USER:-}}" LOGNAME="${LOGNAME:-${SLURM_JOB_USER:-}}"',
    'case "${HOME:-}${SLURM_JOB_USER:-/}" in *[!a-zA-Z0-9._-]*) ;; *) eval "HOME=~$SLURM_JOB_USER"; export HOME ;; esac',
    'export CHEOMDAN_NODE="${SLURMD_NODENAME:-}"',
    'export CUDA_VISIBLE_DEVICES="${CUDA_VISIBLE_DEVICES:-}"',
    'export CHEOMDAN_DEVICES="$CUDA_VISIBLE_DEVICES"',
    'export NVIDIA_VISIBLE_DEVICES="${CUDA_VISIBLE_DEVICES:-none}"',
    'cheomdan_script=$CHEOMDAN_SCRIPT; unset CHEOMDAN_SCRIPT',
    '/bin/bash -c "$cheomdan_script" &',
    'cheomdan_child=$!',
    'trap : TERM HUP USR1 USR2',
    'while :; do wait "$cheomdan_child"; cheomdan_rc=$?; kill -0 "$cheomdan_child" 2>/dev/null || break; done',
    // only as the leader of its own process group, which slurmstepd makes every task: else "kill 0"
    // would reach whoever started us
    'read -r s < /proc/$$/stat; s=${s##*) }; set -- $s',
    'if [ "$3" = $$ ]; then',
    "  trap '' TERM",
    '  kill -TERM 0 2>/dev/null',
    // the rest of our process group (zombies aside), read from /proc with builtins only (a pgrep or $(...)
    // would be in it)
    '  cheomdan_others() { cheomdan_left=; for f in /proc/[0-9]*/stat; do { read -r s < "$f"; } 2>/dev/null || continue; p=${f#/proc/}; p=${p%/stat}; [ "$p" = $$ ] && continue; s=${s##*) }; set -- $s; [ "$1" != Z ] && [ "$3" = $$ ] && cheomdan_left="$cheomdan_left $p"; done; }',
    '  for i in 1 2 3 4 5 6 7 8 9 10; do cheomdan_others; [ -z "$cheomdan_left" ] && break; sleep 0.1; done',
    '  [ -n "$cheomdan_left" ] && kill -KILL $cheomdan_left 2>/dev/null',
    'fi',
    'exit "$cheomdan_rc"',
  ].join('\n');
}

function batchScript(nodes: number): string {
  const run = nodes > 1
    ? `exec srun --nodes=${nodes} --ntasks=${nodes} --ntasks-per-node=1 --kill-on-bad-exit=1 --export=ALL /bin/bash -c "$CHEOMDAN_TASK_SCRIPT"`
    : 'exec /bin/bash -c "$CHEOMDAN_TASK_SCRIPT"';
  return `#!/bin/bash\n# Cheomdan job wrapper: the job's script is in $CHEOMDAN_TASK_SCRIPT (see executors/slurm/submission.ts)\n${run}\n`;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
