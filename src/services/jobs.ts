/**
 * Jobs: submission, listing, cancel, events, logs — the business rules between the API and the store.
 *
 * Submission: a `script` may carry #SBATCH directives; fields in the request override them (as sbatch's
 * command-line options do). A `command` (argv) becomes a one-line script that execs it without a shell.
 * The request is checked against the catalog and the cluster: an unknown accelerator type or a job that
 * could never fit its partition is refused with the reason (nothing is stored); anything else is stored
 * as `pending` and the controller is woken. Cancel of a pending job is immediate; of a running one it is
 * handed to the controller, and the job becomes `cancelled` when the executor reports the exit.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ACCELERATOR_CATALOG, findAcceleratorType } from '../core/accelerators.ts';
import { CheomdanError, type FieldProblem } from '../core/errors.ts';
import * as jobState from '../core/jobState.ts';
import type { ResourceRequest } from '../core/resources.ts';
import { asAcceleratorType, asJobId, asPartition, asTenantId, asUserId, type AllocationId, type JobId } from '../core/ids.ts';
import { parseSbatch, resolveAcceleratorType } from '../core/sbatch.ts';
import { cheomdanDirectives, datasetDirectives } from '../core/datasets.ts';
import { dependencyJobIds, formatDependencySpec } from '../core/slurm/dependency.ts';
import type { SlurmJobFacts } from '../core/slurm/jobEnvironment.ts';
import { expandFilenamePattern } from '../core/slurm/filenamePattern.ts';
import type { JobSubmit } from '../contract/jobs.ts';
import type { SubmitGuard } from './submitLimits.ts';
import type { JobRetention } from './jobRetention.ts';
import type { DatasetMountRecord, DatasetOutputRecord, JobDependency, JobEventRecord, JobRecord, NewJobEvent, ProjectRecord } from '../store/records.ts';
import { assertVisible, tenantScope, type Actor } from './actor.ts';
import type { ServiceContext } from './context.ts';
import type { IdentityService } from './identity.ts';
import type { JobControl } from './jobControl.ts';
import type { ReservationService } from './reservations.ts';
import { CapacityIndex, feasibility } from '../scheduler/index.ts';
import type { ChangeFeed } from './changes.ts';
import { GroupCommit } from './groupCommit.ts';

export interface JobListFilter {
  states?: readonly jobState.JobState[] | undefined;
  project?: string | undefined;
  user?: string | undefined;
  tenant?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * The submit directory becomes the job's working directory; the local executor runs on this host, so it
 * must be a directory here that the server can enter. Refused otherwise, naming the field and the fix.
 */
async function checkSubmitDirectory(dir: string): Promise<void> {
  const refuse = (why: string) => {
    throw new CheomdanError('validation_failed', `submitDirectory ${dir} ${why}; jobs run on the server's host, so submit from a directory that exists there, or give an absolute --chdir`, {
      errors: [{ path: 'submitDirectory', message: why }],
    });
  };
  try {
    if (!(await stat(dir)).isDirectory()) refuse('is not a directory');
    await access(dir, constants.R_OK | constants.X_OK);
  } catch (e) {
    if (e instanceof CheomdanError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    refuse(code === 'ENOENT' ? 'does not exist on the server' : `cannot be used by the server (${code ?? 'error'})`);
  }
}

const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

export class JobService {
  /** Submissions arriving together share one transaction (group commit); each is acknowledged once durable. */
  private readonly inserts: GroupCommit<{ job: JobRecord; event: NewJobEvent; mounts: DatasetMountRecord[]; output: DatasetOutputRecord | null }, JobRecord>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly identity: IdentityService,
    private readonly control: JobControl,
    private readonly changes?: ChangeFeed,
    /** Chooses the allocation a job is charged to and refuses one it cannot cover (services/accounting). */
    private readonly accounting?: { checkSubmit(project: ProjectRecord, request: ResourceRequest, allocation: string | undefined, reserved?: boolean): Promise<{ allocationId: string | null; request: ResourceRequest }> },
    /** Checks the reservation a submission names (services/reservations.ts). */
    private readonly reservations?: Pick<ReservationService, 'forJob'>,
    /** Resolves and pins the datasets a submission mounts and the one it saves its output to (services/datasets). */
    private readonly datasets?: {
      forSubmit(actor: Actor, refs: readonly string[], saveOutput: string | undefined, script: string, jobId: JobId): Promise<{ mounts: DatasetMountRecord[]; output: DatasetOutputRecord | null }>;
    },
    /** Caps on jobs waiting per user and organization, and submissions per minute (services/submitLimits.ts). */
    private readonly guard?: Pick<SubmitGuard, 'check'>,
    /** Finished jobs' directories are removed after a while (services/jobRetention.ts). */
    private readonly retention?: Pick<JobRetention, 'mustHaveLogs'>,
  ) {
    this.inserts = new GroupCommit(ctx.store, async (tx, { job, event, mounts, output }) => {
      const inserted = await tx.jobs.insert(job);
      await tx.events.append(event);
      if (mounts.length > 0) await tx.datasets.mounts.insert(mounts);
      if (output) await tx.datasets.outputs.insert(output);
      return inserted;
    });
  }

  async submit(actor: Actor, body: JobSubmit): Promise<JobRecord> {
    const problems: FieldProblem[] = [];
    const warnings: string[] = [];
    let fromScript: Partial<JobSubmit> = {};
    let logPaths: { stdout?: string | undefined; stderr?: string | undefined } = {};
    let facts: SlurmJobFacts | null = null;
    let dependency: JobDependency | null = null;
    let script: string;
    if (body.script !== undefined || body.sbatchOptions !== undefined) {
      // The script's #SBATCH lines and the command line's sbatch options, the command line winning.
      const submitDirectory = body.submitDirectory ?? body.workingDirectory;
      const parsed = parseSbatch({ script: body.script, args: body.sbatchOptions }, { now: this.ctx.clock(), submitDirectory });
      problems.push(...parsed.errors);
      warnings.push(...parsed.warnings);
      fromScript = parsed.submit;
      logPaths = parsed.logPaths ?? {};
      facts = { ...parsed.facts, ...(submitDirectory !== undefined ? { submitDirectory } : {}) };
      if (parsed.directives.dependency) dependency = { spec: parsed.directives.dependency, killOnInvalid: parsed.directives.killOnInvalidDep === true };
    }
    script = body.script ?? `#!/bin/bash\nexec ${body.command!.map(shellQuote).join(' ')}\n`;
    if (problems.length > 0) {
      throw new CheomdanError('bad_script', `the script has ${problems.length} directive(s) that cannot be honoured: ${problems.map((p) => p.message).join('; ')}`, { errors: problems });
    }
    const merged = { ...fromScript, ...definedOnly(body) };
    if (merged.workingDirectory === undefined && body.submitDirectory !== undefined) await checkSubmitDirectory(body.submitDirectory);
    const project = await this.identity.resolveProject(actor, merged.project);
    if (dependency) await this.checkDependency(actor, dependency);
    const partitions = this.control.partitions();
    const partition = merged.partition ?? partitions.default;
    if (!partitions.names.includes(partition)) {
      throw new CheomdanError('validation_failed', `no partition "${partition}"; partitions: ${partitions.names.join(', ') || '(none)'}`, {
        errors: [{ path: 'partition', message: `unknown partition "${partition}"` }],
      });
    }
    if ((merged.priority ?? 0) > 0 && !actor.isOperator) {
      // As Slurm's --nice: anyone may lower their own job's priority; raising it over other tenants' jobs is
      // the operators' call (it would let one tenant jump, and under preemptive policies evict, the others).
      throw new CheomdanError('forbidden', `only operators can raise a job's priority; give a priority of 0 or less (got ${merged.priority})`, {
        errors: [{ path: 'priority', message: 'must be 0 or less for tenant users' }],
      });
    }
    const asked = this.buildRequest(merged);
    const feasible = this.control.feasibility(asked, partition);
    if (!feasible.ok) {
      throw new CheomdanError('unschedulable', feasible.message, { extra: { reason: feasible.reason } });
    }
    let reservationId: string | null = null;
    if (merged.reservation !== undefined) {
      if (!this.reservations) throw new CheomdanError('validation_failed', 'this server takes no reservations', { errors: [{ path: 'reservation', message: 'not supported here' }] });
      const partitionOf = new Map(this.control.nodes().map((n) => [n.name as string, n.partition as string]));
      const r = await this.reservations.forJob(actor, project.tenantId, merged.reservation, (n) => partitionOf.get(n), partition, asked.timeLimitSeconds);
      // Its nodes must be able to hold the job at all (else it would wait for ever).
      const held = this.control.nodes().filter((n) => r.nodes.includes(n.name));
      const fits = feasibility(new CapacityIndex(held), partition, asked);
      if (!fits.ok) {
        throw new CheomdanError('unschedulable', `the job can never fit in reservation ${r.id} (${r.nodes.join(', ')}): ${fits.message}`, {
          errors: [{ path: 'reservation', message: 'the job is larger than the reservation' }], extra: { reason: fits.reason },
        });
      }
      reservationId = r.id;
    }
    await this.guard?.check(actor, project.tenantId);
    const charged = this.accounting
      ? await this.accounting.checkSubmit(project, asked, merged.allocation, reservationId !== null)
      : { allocationId: null, request: asked };
    const request = charged.request;

    const now = this.ctx.clock();
    const id = asJobId(this.ctx.ids('job'));
    const datasetRefs = [...(body.datasets ?? []), ...datasetDirectives(script)];
    let mounts: DatasetMountRecord[] = [];
    let output: DatasetOutputRecord | null = null;
    if (datasetRefs.length > 0 || body.saveOutput !== undefined || cheomdanDirectives(script, 'save-output').length > 0) {
      if (!this.datasets) throw new CheomdanError('validation_failed', 'this server keeps no datasets', { errors: [{ path: datasetRefs.length > 0 ? 'datasets' : 'saveOutput', message: 'not supported here' }] });
      ({ mounts, output } = await this.datasets.forSubmit(actor, datasetRefs, body.saveOutput, script, id));
    }
    const name = merged.name ?? (body.command ? body.command[0]!.split('/').pop()! : 'script');
    const jobDir = join(this.ctx.config.logsDir, id);
    // As sbatch: the directory it was run from, unless --chdir (or workingDirectory) says otherwise.
    const workingDirectory = merged.workingDirectory ?? body.submitDirectory ?? jobDir;
    // Logs always live in the job's own directory: the API reads them as the server's user, so a path the
    // job chose (`#SBATCH -o /anything`) would let a tenant read any file the server can. `-o`/`-e` name
    // the file there (with Slurm's %j, %x, %u, %A, %a, %N, ... expanded).
    const expand = (p: string, flag: '-o' | '-e') => {
      const e = expandFilenamePattern(p, { jobId: id, jobName: name, user: actor.user.email.split('@')[0]! });
      const file = basename(e);
      if (file === '' || file === '.' || file === '..' || !/^[A-Za-z0-9._+=@,%-]+$/.test(file)) {
        throw new CheomdanError('bad_script', `#SBATCH ${flag} "${p}" does not name a usable file; give a file name such as "train-%j.out"`, {
          errors: [{ path: `script:${flag}`, message: 'not a file name' }],
        });
      }
      if (e !== file) warnings.push(`#SBATCH ${flag} "${p}": logs are kept in the job's directory, as ${file} (read them with \`cheomdan logs\`)`);
      return join(jobDir, file);
    };
    const job: JobRecord = {
      id, seq: 0, tenantId: project.tenantId, projectId: project.id, userId: actor.user.id, name, partition: asPartition(partition),
      state: 'pending', script, workingDirectory, environment: merged.environment ?? {}, request,
      priority: merged.priority ?? 0, qos: null, submittedAt: now, startedAt: null, endedAt: null,
      exitCode: null, signal: null, pendingReason: 'not_yet_scheduled', pendingMessage: 'waiting for the next scheduling cycle',
      estimatedStart: null, placement: null, acceleratorType: null, executor: null, executorHandle: null,
      stdoutPath: logPaths.stdout ? expand(logPaths.stdout, '-o') : join(jobDir, 'stdout.log'),
      stderrPath: logPaths.stderr ? expand(logPaths.stderr, '-e') : join(jobDir, 'stderr.log'),
      warnings, attempt: 0, preemptionCount: 0, failureReason: null, allocationId: charged.allocationId as AllocationId | null, reservationId,
      dependency, slurmFacts: facts, updatedAt: now,
    };
    const stored = await this.inserts.submit({
      job, event: { jobId: id, at: now, kind: 'state', fromState: null, toState: 'pending', message: `submitted by ${actor.user.email}` }, mounts, output,
    });
    this.control.wake(stored);
    this.changes?.publish({ jobId: id, tenantId: stored.tenantId, state: 'pending' });
    return stored;
  }

  async get(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.ctx.store.jobs.get(asJobId(id));
    if (!job) throw new CheomdanError('not_found', `no job "${id}"`);
    assertVisible(actor, job.tenantId, 'job', id);
    return job;
  }

  async list(actor: Actor, f: JobListFilter): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
    let tenantId = tenantScope(actor, undefined);
    if (f.tenant !== undefined) {
      if (!actor.isOperator) {
        throw new CheomdanError('forbidden', 'only operators can list the jobs of other organizations; leave "tenant" out');
      }
      tenantId = (await this.identity.resolveTenant(actor, f.tenant)).id;
    }
    const projectId = f.project !== undefined ? (await this.identity.resolveProject(actor, f.project)).id : undefined;
    const userId = f.user === 'me' ? actor.user.id : f.user;
    const page = await this.ctx.store.jobs.list({
      ...(tenantId ? { tenantId: asTenantId(tenantId) } : {}),
      ...(projectId ? { projectId } : {}),
      ...(userId ? { userId: asUserId(userId) } : {}),
      ...(f.states ? { states: f.states } : {}),
      limit: f.limit, cursor: f.cursor ?? null,
    });
    return { items: page.jobs, nextCursor: page.nextCursor };
  }

  async cancel(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.get(actor, id);
    if (jobState.isTerminal(job.state)) {
      throw new CheomdanError('invalid_transition', `job ${id} already ended (${job.state}); nothing to cancel`);
    }
    const now = this.ctx.clock();
    if (job.state === 'pending' || job.state === 'preempted') {
      const to = jobState.cancel(job.state);
      const ok = await this.ctx.store.transaction(async (tx) => {
        const changed = await tx.jobs.update(asJobId(id), { state: to, endedAt: now, pendingReason: null, pendingMessage: null, estimatedStart: null }, { expectState: job.state });
        if (changed) await tx.events.append({ jobId: asJobId(id), at: now, kind: 'state', fromState: job.state, toState: to, message: `cancelled by ${actor.user.email}` });
        return changed;
      });
      if (ok) {
        this.control.forget(id);
        this.changes?.publish({ jobId: id, tenantId: job.tenantId, state: to });
        return (await this.ctx.store.jobs.get(asJobId(id)))!;
      }
      // The controller started it meanwhile: cancel the running job instead.
      return this.cancel(actor, id);
    }
    await this.ctx.store.events.append({ jobId: asJobId(id), at: now, kind: 'info', fromState: null, toState: null, message: `cancel requested by ${actor.user.email}` });
    await this.control.cancel(job);
    return (await this.ctx.store.jobs.get(asJobId(id)))!;
  }

  async events(actor: Actor, id: string): Promise<JobEventRecord[]> {
    await this.get(actor, id);
    return this.ctx.store.events.list(asJobId(id));
  }

  async logs(actor: Actor, id: string, opts: { stream: 'stdout' | 'stderr'; offset: number; follow: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Buffer>> {
    const job = await this.get(actor, id);
    await this.retention?.mustHaveLogs(job);
    return this.control.logs(job, opts);
  }

  /**
   * Every job a dependency names must exist and be the submitter's to see (their organization's, or any
   * for operators); another organization's job answers like a missing one. A new job cannot be part of a
   * cycle (nothing depends on it yet, and its targets' dependencies were checked when they were submitted).
   */
  private async checkDependency(actor: Actor, dependency: JobDependency): Promise<void> {
    const shown = `--dependency=${formatDependencySpec(dependency.spec)}`;
    for (const id of dependencyJobIds(dependency.spec)) {
      const target = await this.ctx.store.jobs.get(asJobId(id));
      if (target === undefined || (!actor.isOperator && target.tenantId !== actor.user.tenantId)) {
        throw new CheomdanError('validation_failed', `${shown}: no job "${id}" (a dependency names jobs of your organization by their id, e.g. afterok:job_…; see cheomdan jobs)`, {
          errors: [{ path: 'dependency', message: `unknown job ${id}` }],
        });
      }
    }
  }

  private buildRequest(s: Partial<JobSubmit>): ResourceRequest {
    const problems: FieldProblem[] = [];
    // Short names people type (h100, a100, rngd) are accepted and stored as catalog ids.
    const types = (s.acceleratorTypes ?? []).map((t) => resolveAcceleratorType(t) ?? t);
    types.forEach((t, i) => {
      if (!findAcceleratorType(t)) {
        problems.push({ path: `acceleratorTypes[${i}]`, message: `unknown accelerator type "${t}"; known: ${ACCELERATOR_CATALOG.map((a) => a.id).join(', ')}` });
      }
    });
    if (problems.length > 0) {
      throw new CheomdanError('unknown_accelerator_type', problems.map((p) => p.message).join('; '), { errors: problems });
    }
    let tasks = s.tasks ?? (s.nodes !== undefined && s.tasksPerNode !== undefined ? s.nodes * s.tasksPerNode : s.nodes ?? 1);
    if (s.nodes !== undefined && s.tasksPerNode !== undefined && s.tasks !== undefined && s.tasks !== s.nodes * s.tasksPerNode) {
      throw new CheomdanError('validation_failed', `tasks (${s.tasks}) must equal nodes × tasksPerNode (${s.nodes} × ${s.tasksPerNode}); give two of the three`, {
        errors: [{ path: 'tasks', message: 'inconsistent with nodes × tasksPerNode' }],
      });
    }
    if (s.nodes !== undefined && tasks < s.nodes) {
      throw new CheomdanError('validation_failed', `${tasks} task(s) cannot span ${s.nodes} nodes; ask for at least one task per node`, {
        errors: [{ path: 'nodes', message: 'more nodes than tasks' }],
      });
    }
    tasks = Math.max(1, tasks);
    return {
      tasks,
      devicesPerTask: s.devicesPerTask ?? 0,
      acceleratorTypes: types.map(asAcceleratorType),
      cpusPerTask: s.cpusPerTask ?? 1,
      memoryMbPerTask: s.memoryMbPerTask ?? 1024,
      nodes: s.nodes,
      tasksPerNode: s.tasksPerNode,
      timeLimitSeconds: s.timeLimitSeconds ?? this.ctx.config.defaultTimeLimitSeconds,
    };
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'script' && k !== 'command') (out as Record<string, unknown>)[k] = v;
  return out;
}
