/** `cheomdan jobs`, `cheomdan job show`, `cheomdan cancel`, `cheomdan logs`. */
import { Command, InvalidArgumentError } from 'commander';
import { JOB_STATES } from '../../core/jobState.ts';
import type { Job } from '../../contract/index.ts';
import type { Cli } from '../context.ts';
import { describeRequest, formatTime, jobsTable, relativeTime, shortType } from '../format.ts';

export function parseStates(text: string): string[] {
  const states = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of states) {
    if (!(JOB_STATES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError(`unknown state "${s}"; valid: ${JOB_STATES.join(', ')}`);
    }
  }
  return states;
}

export function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 500) throw new InvalidArgumentError('give a whole number from 1 to 500');
  return n;
}

interface JobsFlags {
  state?: string[];
  project?: string;
  user?: string;
  mine?: boolean;
  tenant?: string;
  limit?: number;
  cursor?: string;
}

export function registerJobs(program: Command, cli: Cli): void {
  program
    .command('jobs')
    .description("List jobs: your organization's (operators: everyone's), newest first")
    .option('--state <states>', `only these states, comma-separated (${JOB_STATES.join(', ')})`, parseStates)
    .option('--project <project>', 'only this project (id or slug)')
    .option('--user <user>', 'only this user (id, or "me")')
    .option('--mine', 'only your own jobs (same as --user me)')
    .option('--tenant <tenant>', "only this organization's jobs (operators)")
    .option('--limit <n>', 'at most this many (1-500, default 50)', parseLimit)
    .option('--cursor <cursor>', 'the next page, as printed under the previous one')
    .action(async (f: JobsFlags) => {
      const page = await (await cli.client()).listJobs({
        state: f.state, project: f.project, user: f.mine ? 'me' : f.user, tenant: f.tenant, limit: f.limit, cursor: f.cursor,
      });
      if (cli.json) return cli.printJson(page);
      if (page.items.length === 0) cli.out('no jobs');
      else cli.out(jobsTable(page.items));
      if (page.nextCursor) cli.out(`more: cheomdan jobs --cursor ${page.nextCursor}`);
    });

  const job = program.command('job').description('One job');
  job
    .command('show')
    .description('Show a job: request, state, why it is pending and when it should start, placement, events')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      const c = await cli.client();
      const [j, events] = await Promise.all([c.getJob(id), c.jobEvents(id)]);
      if (cli.json) return cli.printJson({ ...j, events: events.items });
      cli.out(showJob(j, Date.now()));
      if (events.items.length > 0) {
        cli.out('events');
        for (const e of events.items) {
          const what = e.kind === 'state' && e.toState ? `${e.fromState ?? '-'} → ${e.toState}` : e.kind;
          cli.out(`  ${formatTime(e.at)}  ${what.padEnd(22)}  ${e.message}`);
        }
      }
    });

  program
    .command('cancel')
    .description('Cancel a job (pending: at once; running: it is stopped)')
    .argument('<id>', 'job id')
    .action(async (id: string) => {
      const j = await (await cli.client()).cancelJob(id);
      if (cli.json) return cli.printJson(j);
      if (j.state === 'cancelled') cli.out(`cancelled ${j.id}`);
      else cli.out(`cancel requested for ${j.id} (${j.state}); it becomes cancelled when its processes have exited`);
    });

  program
    .command('logs')
    .description("Print a job's output; -f follows it until the job ends")
    .argument('<id>', 'job id')
    .option('-f, --follow', 'keep printing new output until the job ends')
    .option('--stderr', 'the standard error stream instead of standard output')
    .action(async (id: string, f: { follow?: boolean; stderr?: boolean }) => {
      const c = await cli.client();
      const stream = f.stderr ? 'stderr' : 'stdout';
      for await (const chunk of c.logs(id, { stream, follow: Boolean(f.follow) })) {
        if (!cli.io.stdout.write(chunk)) await new Promise((r) => cli.io.stdout.once('drain', r));
      }
    });
}

/** The detail view of a job (without events). */
export function showJob(j: Job, now: number): string {
  const rows: [string, string][] = [
    ['state', j.state + (j.attempt > 0 ? ` (attempt ${j.attempt + 1})` : '')],
    ['project', j.project],
    ['user', j.user],
    ['partition', j.partition],
    ...(j.allocation ? [['allocation', j.allocation] as [string, string]] : []),
    ['request', describeRequest(j.request)],
    ['priority', String(j.priority)],
    ['submitted', `${formatTime(j.submittedAt)} (${relativeTime(j.submittedAt, now)})`],
  ];
  if (j.state === 'pending') {
    rows.push(['pending', `${j.pendingReason ?? 'unknown'}${j.pendingMessage ? `: ${j.pendingMessage}` : ''}`]);
    rows.push([
      'est. start',
      j.estimatedStart ? `${formatTime(j.estimatedStart)} (${relativeTime(j.estimatedStart, now)})` : 'not known yet',
    ]);
  }
  if (j.startedAt) rows.push(['started', `${formatTime(j.startedAt)} (${relativeTime(j.startedAt, now)})`]);
  if (j.endedAt) {
    const exit = j.signal ? `signal ${j.signal}` : j.exitCode !== null ? `exit code ${j.exitCode}` : '';
    rows.push(['ended', `${formatTime(j.endedAt)} (${relativeTime(j.endedAt, now)})${exit ? `, ${exit}` : ''}`]);
  }
  if (j.failureReason) rows.push(['failure', j.failureReason]);
  if (j.acceleratorType) rows.push(['devices', shortType(j.acceleratorType)]);
  for (const [i, p] of (j.placement ?? []).entries()) {
    rows.push([
      i === 0 ? 'placement' : '',
      `${p.node}: ${p.tasks} task${p.tasks > 1 ? 's' : ''}${p.devices.length ? `, devices ${p.devices.join(',')}` : ''}, ${p.cpus} CPUs`,
    ]);
  }
  rows.push(['directory', j.workingDirectory]);
  for (const [i, w] of j.warnings.entries()) rows.push([i === 0 ? 'warnings' : '', w]);
  return [`${j.id}  ${j.name}`, ...rows.map(([k, v]) => `  ${k.padEnd(10)}  ${v}`)].join('\n');
}
