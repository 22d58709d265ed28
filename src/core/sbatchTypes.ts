/**
 * The types the sbatch option table (sbatchOptions.ts) and the Slurm-feature options (sbatchFeatures.ts)
 * share: what the parser gathers (`Raw`, `SbatchDirectives`), its settings and one option's spec. Their own
 * module, so the two tables depend on it and not on each other.
 */
import type { ArraySpec } from './slurm/arraySpec.ts';
import type { DependencySpec } from './slurm/dependency.ts';
import type { SignalSpec } from './slurm/signal.ts';

/** --mail-type values in sbatch(1), 22.05. */
export const MAIL_TYPES = [
  'NONE', 'BEGIN', 'END', 'FAIL', 'REQUEUE', 'ALL', 'INVALID_DEPEND', 'STAGE_OUT', 'TIME_LIMIT', 'TIME_LIMIT_90',
  'TIME_LIMIT_80', 'TIME_LIMIT_50', 'ARRAY_TASKS',
] as const;
export type MailType = (typeof MAIL_TYPES)[number];

/** The Slurm features a job asked for, parsed; absent = not asked for (Slurm's default applies). */
export interface SbatchDirectives {
  array?: ArraySpec;
  dependency?: DependencySpec;
  /** `at` (ms since the epoch) is set when the parser was given a clock. */
  begin?: { text: string; at?: number };
  deadline?: { text: string; at?: number };
  signal?: SignalSpec;
  openMode?: 'append' | 'truncate';
  /** --requeue (true) / --no-requeue (false); the last one wins. */
  requeue?: boolean;
  /** Expanded, without NONE (`--mail-type=NONE` leaves an empty list). */
  mailType?: MailType[];
  mailUser?: string;
  comment?: string;
  /** --exclusive: no other job on the nodes; =user: only this user's jobs. */
  exclusive?: 'node' | 'user';
  killOnInvalidDep?: boolean;
  /** --wrap's command (command line only). */
  wrap?: string;
}

/** The clock and site settings the parser needs (all optional: without a clock, --begin is only checked). */
export interface SbatchParseOptions {
  now?: number | undefined;
  utcOffsetMinutes?: number | undefined;
  /** The site's MaxArraySize (default 100,001). */
  maxArraySize?: number | undefined;
  /** Where the job was submitted from: a relative --chdir is resolved against it. */
  submitDirectory?: string | undefined;
  /**
   * The directives the caller will act on (default `DIRECTIVES_HONOURED`: what this version's scheduler and
   * executors do). Any other is still parsed and checked, then refused or ignored with a warning, as
   * `NOT_HONOURED` says, so a job never silently loses what its script asked for. `'all'` carries every one.
   */
  honoured?: ReadonlySet<keyof SbatchDirectives> | 'all' | undefined;
}

/** Raw values gathered from the directives, resolved into per-task fields at the end. */
export interface Raw {
  name?: string;
  project?: string;
  partition?: string;
  time?: number;
  nodes?: number;
  tasks?: number;
  tasksPerNode?: number;
  cpusPerTask?: number;
  cpusPerGpu?: number;
  /** Each GPU option as given, with the line it came from. */
  gpus: { option: string; per: 'node' | 'task' | 'job' | 'gpu-task'; count: number; type?: string; line: number }[];
  mem: { option: '--mem' | '--mem-per-cpu' | '--mem-per-gpu'; mb: number; line: number }[];
  constraintType?: string;
  environment?: Record<string, string>;
  chdir?: string;
  nice?: number;
  stdout?: string;
  stderr?: string;
  reservation?: string;
  /** Slurm features carried in the job spec (sbatchFeatures.ts). */
  directives: SbatchDirectives;
}

export type Arg = 'required' | 'optional' | 'none';

export interface Ctx {
  raw: Raw;
  opts: SbatchParseOptions;
  line: number;
  warn: (msg: string) => void;
  fail: (msg: string) => void;
}

export interface OptionSpec {
  short?: string;
  arg: Arg;
  /** Honours the option, or warns / fails. `shown` is the option as written, for messages. */
  apply: (value: string | undefined, ctx: Ctx, shown: string) => void;
}

