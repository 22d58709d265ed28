/**
 * `cheomdan squeue`: the queue as squeue(1) prints it — its default columns and `-o/--format` strings,
 * `-u/--user`, `--me`, `-t/--states` (Slurm's names or codes, or `all`), `-j/--jobs`, `-p/--partition`,
 * `-h/--noheader`, `--json` (Cheomdan's job objects). Users are shown by login name (the e-mail's local
 * part). Without -t it shows what squeue shows: jobs pending, configuring or running.
 */
import type { Command } from 'commander';
import { compressHostlist } from '../../core/slurm/hostlist.ts';
import { SLURM_REASON, SLURM_STATE, SQUEUE_DEFAULT_FORMAT, parseSqueueFormat, renderSqueue, type SqueueRow } from '../../core/slurm/squeueFormat.ts';
import { UsageError } from '../config.ts';
import type { Cli } from '../context.ts';
import type { Job } from '../../contract/index.ts';

const ACTIVE = ['pending', 'starting', 'running', 'preempted'];
const BY_SLURM_NAME: Readonly<Record<string, string[]>> = {
  PD: ['pending', 'preempted'], PENDING: ['pending', 'preempted'], CF: ['starting'], CONFIGURING: ['starting'],
  R: ['running'], RUNNING: ['running'], CD: ['succeeded'], COMPLETED: ['succeeded'], F: ['failed'], FAILED: ['failed'],
  CA: ['cancelled'], CANCELLED: ['cancelled'], TO: ['timed_out'], TIMEOUT: ['timed_out'], PR: ['preempted'], PREEMPTED: ['preempted'],
};

export function statesFromSlurm(text: string): string[] {
  const out = new Set<string>();
  for (const w of text.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean)) {
    if (w === 'ALL') return Object.keys(SLURM_STATE);
    const s = BY_SLURM_NAME[w];
    if (!s) throw new UsageError(`-t: unknown state "${w}"; use Slurm's names or codes (${Object.keys(BY_SLURM_NAME).join(', ')}) or all`);
    for (const x of s) out.add(x);
  }
  return [...out];
}

export function rowOf(j: Job, userName: string, now: number): SqueueRow {
  const [code, name] = SLURM_STATE[j.state] ?? ['PD', 'PENDING'];
  const started = j.startedAt ? Date.parse(j.startedAt) : null;
  const ended = j.endedAt ? Date.parse(j.endedAt) : null;
  const nodes = j.placement?.map((p) => p.node) ?? [];
  const devices = j.request.tasks * j.request.devicesPerTask;
  return {
    jobId: j.id, arrayJobId: j.id, name: j.name, user: userName, account: j.project, partition: j.partition,
    stateCode: code, state: name,
    elapsedSeconds: started === null ? 0 : ((ended ?? now) - started) / 1000,
    timeLimitSeconds: j.request.timeLimitSeconds,
    nodes: nodes.length > 0 ? nodes.length : (j.request.nodes ?? 1),
    nodeList: nodes.length > 0 ? compressHostlist(nodes) : '',
    reason: j.pendingReason ? SLURM_REASON[j.pendingReason] ?? j.pendingReason : 'None',
    cpus: j.request.tasks * j.request.cpusPerTask,
    tres: devices > 0 ? `gres/gpu:${devices}` : 'N/A',
    priority: j.priority,
    submitTime: j.submittedAt.slice(0, 19),
    startTime: (j.startedAt ?? j.estimatedStart ?? 'N/A').slice(0, 19),
  };
}

interface SqueueFlags {
  user?: string;
  me?: boolean;
  states?: string;
  jobs?: string;
  partition?: string;
  format?: string;
  noheader?: boolean;
}

export function registerSqueue(program: Command, cli: Cli): void {
  program
    .command('squeue')
    .description('The queue as squeue prints it (default columns, -o/--format, -u, -t, -j, -p, -h)')
    .option('-u, --user <users>', 'only these users (login names or e-mails, comma-separated)')
    .option('--me', 'only your own jobs')
    .option('-t, --states <states>', "only these states: Slurm's names or codes (PD,R,CD,F,CA,TO) or all")
    .option('-j, --jobs <ids>', 'only these jobs (comma-separated)')
    .option('-p, --partition <partitions>', 'only these partitions (comma-separated)')
    .option('-o, --format <format>', `squeue's format string (default "${SQUEUE_DEFAULT_FORMAT}")`)
    .option('-h, --noheader', 'no header line')
    .action(async (f: SqueueFlags) => {
      const tokens = parseSqueueFormat(f.format ?? SQUEUE_DEFAULT_FORMAT);
      if ('error' in tokens) throw new UsageError(`-o: ${tokens.error}`);
      const states = f.states ? statesFromSlurm(f.states) : ACTIVE;
      const c = await cli.client();
      const [users, me] = await Promise.all([c.listUsers(), c.me()]);
      const login = new Map(users.items.map((u) => [u.id, u.email.split('@')[0]!]));
      login.set(me.user.id, me.user.email.split('@')[0]!);
      const wantedUsers = f.user?.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
      const wantedJobs = f.jobs ? new Set(f.jobs.split(',').map((x) => x.trim())) : null;
      const partitions = f.partition ? new Set(f.partition.split(',').map((x) => x.trim())) : null;
      const jobs: Job[] = [];
      let cursor: string | undefined;
      do {
        const page = await c.listJobs({ state: states, limit: 500, cursor, user: f.me ? 'me' : undefined });
        jobs.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const chosen = jobs.filter((j) => {
        if (wantedJobs && !wantedJobs.has(j.id)) return false;
        if (partitions && !partitions.has(j.partition)) return false;
        if (wantedUsers) {
          const u = users.items.find((x) => x.id === j.user);
          const names = [login.get(j.user) ?? '', u?.email.toLowerCase() ?? '', j.user.toLowerCase()];
          if (!wantedUsers.some((w) => names.includes(w))) return false;
        }
        return true;
      }).reverse(); // squeue lists oldest first
      if (cli.json) return cli.printJson({ jobs: chosen });
      const now = Date.now();
      const lines = renderSqueue(tokens, chosen.map((j) => rowOf(j, login.get(j.user) ?? j.user, now)), f.noheader);
      if (lines.length > 0) cli.out(lines.join('\n'));
    });
}
