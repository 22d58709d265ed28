/** Jobs: submission, the job resource, events, logs. */
import { z } from 'zod';
import { JOB_STATES } from '../core/jobState.ts';
import { PENDING_REASONS as SCHEDULER_PENDING_REASONS } from '../scheduler/types.ts';
import { PageQuery, Timestamp } from './common.ts';

export const JobState = z.enum(JOB_STATES);

/** The scheduler's reasons, plus the controller's own: a failed start, and "not scheduled yet". */
export const PENDING_REASONS = [...SCHEDULER_PENDING_REASONS, 'start_failed', 'not_yet_scheduled'] as const;
export const PendingReason = z.enum(PENDING_REASONS);

const MAX_TIME_LIMIT = 30 * 24 * 3600;

/**
 * A job submission. Give `command` (argv, run without a shell) or `script` (a bash script; `#SBATCH`
 * directives in it are honoured). Fields given here override the script's directives, as sbatch's
 * command-line options do.
 */
export const JobSubmit = z
  .object({
    name: z.string().min(1).max(128).optional(),
    project: z.string().optional().describe("Project id or slug; defaults to the tenant's first project"),
    partition: z.string().min(1).max(64).optional(),
    command: z.array(z.string()).min(1).optional().describe('argv, e.g. ["python", "train.py"]'),
    script: z.string().min(1).max(1_000_000).optional().describe('A bash script, #SBATCH directives allowed'),
    tasks: z.number().int().min(1).max(100_000).optional(),
    devicesPerTask: z.number().int().min(0).max(64).optional(),
    acceleratorTypes: z
      .array(z.string())
      .optional()
      .describe('Acceptable accelerator type ids (GET /v1/accelerator-types); empty or absent: any'),
    cpusPerTask: z.number().int().min(1).max(1024).optional(),
    memoryMbPerTask: z.number().int().min(1).max(16 * 1024 * 1024).optional(),
    nodes: z.number().int().min(1).max(100_000).optional(),
    tasksPerNode: z.number().int().min(1).max(1024).optional(),
    timeLimitSeconds: z.number().int().min(1).max(MAX_TIME_LIMIT).optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    environment: z
      .record(z.string(), z.string())
      .superRefine((env, ctx) => {
        for (const k of Object.keys(env)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
            ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" is not a valid variable name: use letters, digits and _ (not starting with a digit)` });
          }
        }
      })
      .optional(),
    workingDirectory: z.string().startsWith('/', 'give an absolute path').optional(),
    allocation: z.string().min(1).max(100).optional().describe("Allocation to charge (id); default: the project's, else the organization's active one"),
    reservation: z.string().min(1).max(100).optional().describe("Run on this reservation's nodes (id), within its window; charged at the reservation multiplier"),
    sbatchOptions: z
      .array(z.string().max(100_000))
      .max(1000)
      .optional()
      .describe('sbatch options given on the command line (e.g. ["-J", "x", "-t", "10", "--mem", "4G"]): read with the script\'s #SBATCH lines, winning over them as in Slurm; the fields above win over both'),
    datasets: z
      .array(z.string().min(1).max(400))
      .max(16)
      .optional()
      .describe('Datasets to mount read-only, each NAME[@VERSION][:PATH] (ORG/NAME for a shared one; PATH relative to the job\'s directory, default datasets/NAME); the job finds each at $CHEOMDAN_DATASET_<NAME>. #CHEOMDAN --dataset lines in the script add to them'),
    saveOutput: z
      .string()
      .min(1)
      .max(400)
      .optional()
      .describe('Save the job\'s output directory as the next version of a dataset of its organization when it completes: NAME[:PATH], PATH relative to the working directory (default output), told to the job as $CHEOMDAN_OUTPUT_DIR. Or #CHEOMDAN --save-output in the script'),
    submitDirectory: z
      .string()
      .startsWith('/', 'give an absolute path')
      .optional()
      .describe("The directory the job was submitted from (sbatch's SLURM_SUBMIT_DIR): the job's working directory unless workingDirectory or --chdir says otherwise; a relative --chdir is resolved against it"),
  })
  .strict()
  .refine((b) => (b.command === undefined) !== (b.script === undefined), {
    message: 'give exactly one of "command" (argv) or "script"',
    path: ['command'],
  });
export type JobSubmit = z.infer<typeof JobSubmit>;

export const ResourceRequest = z.object({
  tasks: z.number().int(),
  devicesPerTask: z.number().int(),
  acceleratorTypes: z.array(z.string()),
  cpusPerTask: z.number().int(),
  memoryMbPerTask: z.number().int(),
  nodes: z.number().int().nullable(),
  tasksPerNode: z.number().int().nullable(),
  timeLimitSeconds: z.number().int(),
});

export const NodeAllocation = z.object({
  node: z.string(),
  devices: z.array(z.number().int()),
  tasks: z.number().int(),
  cpus: z.number().int(),
  memoryMb: z.number().int(),
});

export const Job = z
  .object({
    id: z.string(),
    name: z.string(),
    tenant: z.string(),
    project: z.string(),
    user: z.string(),
    partition: z.string(),
    state: JobState,
    request: ResourceRequest,
    priority: z.number().int(),
    submittedAt: Timestamp,
    startedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    pendingReason: PendingReason.nullable(),
    pendingMessage: z.string().nullable(),
    estimatedStart: Timestamp.nullable(),
    placement: z.array(NodeAllocation).nullable(),
    acceleratorType: z.string().nullable(),
    attempt: z.number().int(),
    allocation: z.string().nullable().describe('The allocation the job is charged to (null when accounting is off)'),
    reservation: z.string().nullable().describe('The reservation the job runs in, if it named one'),
    failureReason: z.string().nullable(),
    warnings: z.array(z.string()),
    workingDirectory: z.string(),
    script: z.string(),
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof Job>;

export const JobListQuery = PageQuery.extend({
  state: z
    .string()
    .optional()
    .describe('Comma-separated states, e.g. "pending,running"')
    .transform((s, ctx) => {
      if (s === undefined || s === '') return undefined;
      const parts = s.split(',').map((p) => p.trim());
      for (const p of parts) {
        if (!(JOB_STATES as readonly string[]).includes(p)) {
          ctx.addIssue({ code: 'custom', message: `unknown state "${p}"; valid: ${JOB_STATES.join(', ')}` });
          return z.NEVER;
        }
      }
      return parts as (typeof JOB_STATES)[number][];
    }),
  project: z.string().optional().describe('Project id or slug'),
  user: z.string().optional().describe('User id, or "me"'),
  tenant: z.string().optional().describe('Tenant id or slug (operators only)'),
});

export const JobPage = z.object({ items: z.array(Job), nextCursor: z.string().nullable() });

export const JobEvent = z.object({
  id: z.number().int(),
  at: Timestamp,
  kind: z.enum(['state', 'reason', 'info']),
  fromState: JobState.nullable(),
  toState: JobState.nullable(),
  message: z.string(),
});
export const JobEventList = z.object({ items: z.array(JobEvent) });

export const LogQuery = z.object({
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
  offset: z.coerce.number().int().min(0).default(0),
  follow: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

/** What GET /v1/stream sends as `event: jobs`: the jobs that changed (only those the caller may see). */
export const JobChangeBatch = z.array(z.object({ id: z.string(), state: JobState })).meta({ id: 'JobChangeBatch' });
export type JobChangeBatch = z.infer<typeof JobChangeBatch>;
