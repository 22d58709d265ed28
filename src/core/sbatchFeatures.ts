/**
 * The sbatch options for Slurm features beyond resources — arrays, dependencies, deferred start, deadlines,
 * warning signals, requeue, log open mode, mail, comments, exclusive nodes, `--wrap` — as option specs for
 * sbatchOptions.ts's table. Each is validated here with the core/slurm parsers and carried, parsed, in
 * `SbatchDirectives` (the job spec); what the scheduler and executors do with each is theirs. Pure.
 *
 * Bad values are errors naming the directive and what Slurm accepts; nothing is silently dropped.
 */
import { DEFAULT_MAX_ARRAY_SIZE, parseArraySpec } from './slurm/arraySpec.ts';
import { parseSlurmDateTime } from './slurm/beginTime.ts';
import { parseDependencySpec } from './slurm/dependency.ts';
import { checkFilenamePattern } from './slurm/filenamePattern.ts';
import { parseSignalSpec } from './slurm/signal.ts';
import { MAIL_TYPES, type Ctx, type MailType, type OptionSpec, type SbatchDirectives } from './sbatchTypes.ts';

export { MAIL_TYPES, type MailType, type SbatchDirectives, type SbatchParseOptions } from './sbatchTypes.ts';

/** What the server acts on today; each feature joins the set when the scheduler/executors honour it. */
export const DIRECTIVES_HONOURED: ReadonlySet<keyof SbatchDirectives> = new Set(['wrap', 'dependency', 'killOnInvalidDep']);

/** A directive asked for but not acted on: refused when ignoring it would change what the job does. */
const NOT_HONOURED: Readonly<Record<keyof SbatchDirectives, { refuse: boolean; reason: string }>> = {
  array: { refuse: true, reason: 'job arrays are not supported yet; submit one job per element (e.g. in a shell loop setting an environment variable with --env)' },
  dependency: { refuse: true, reason: 'job dependencies are not supported here; submit the next job after this one ends' },
  killOnInvalidDep: { refuse: false, reason: 'dependencies are not supported here' },
  begin: { refuse: true, reason: 'deferred start is not supported yet; submit the job when it should start' },
  deadline: { refuse: false, reason: 'deadlines are not enforced' },
  signal: { refuse: false, reason: 'no warning signal is sent before the time limit; the job gets SIGTERM, then SIGKILL' },
  openMode: { refuse: false, reason: 'log files are always written from the start' },
  requeue: { refuse: false, reason: 'preempted jobs are requeued automatically' },
  mailType: { refuse: false, reason: 'email notifications are not sent; watch the job with cheomdan logs -f or the portal' },
  mailUser: { refuse: false, reason: 'email notifications are not sent' },
  comment: { refuse: false, reason: 'comments are not stored' },
  exclusive: { refuse: false, reason: "nodes are shared between jobs; ask for all of a node's devices to have it to yourself" },
  wrap: { refuse: true, reason: 'give the command after "cheomdan submit --" instead' },
};

/** Carries a parsed directive, or refuses / warns when the caller does not honour it (see `honoured`). */
function carry<K extends keyof SbatchDirectives>(key: K, value: SbatchDirectives[K], c: Ctx, shown: string): void {
  const honoured = c.opts.honoured ?? DIRECTIVES_HONOURED;
  if (honoured === 'all' || honoured.has(key)) {
    c.raw.directives[key] = value;
    return;
  }
  const why = NOT_HONOURED[key];
  if (why.refuse) c.fail(`${shown}: ${why.reason}`);
  else c.warn(`ignored: ${shown} (${why.reason})`);
}

const dateTime = (key: 'begin' | 'deadline', option: string) => (v: string | undefined, c: Ctx): void => {
  const text = v ?? '';
  const r = parseSlurmDateTime(text, { now: c.opts.now ?? 0, utcOffsetMinutes: c.opts.utcOffsetMinutes }, option);
  if ('error' in r) return c.fail(r.error);
  carry(key, c.opts.now === undefined ? { text } : { text, at: r.at }, c, `${option}=${text}`);
};

const pattern = (key: 'stdout' | 'stderr', option: string) => (v: string | undefined, c: Ctx) => {
  const err = checkFilenamePattern(v ?? '', option);
  if (err) return c.fail(err.error);
  c.raw[key] = v;
};

const MAIL_ACCEPTS = `Slurm accepts a comma-separated list of ${MAIL_TYPES.join(', ')}`;

export const FEATURE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  output: { short: 'o', arg: 'required', apply: pattern('stdout', '--output') },
  error: { short: 'e', arg: 'required', apply: pattern('stderr', '--error') },
  array: {
    short: 'a',
    arg: 'required',
    apply: (v, c, shown) => {
      const r = parseArraySpec(v ?? '', c.opts.maxArraySize ?? DEFAULT_MAX_ARRAY_SIZE);
      if ('error' in r) c.fail(r.error);
      else carry('array', r, c, shown);
    },
  },
  dependency: {
    short: 'd',
    arg: 'required',
    apply: (v, c, shown) => {
      const r = parseDependencySpec(v ?? '');
      if ('error' in r) c.fail(r.error);
      else carry('dependency', r, c, shown);
    },
  },
  'kill-on-invalid-dep': {
    arg: 'required',
    apply: (v, c, shown) => {
      const s = (v ?? '').toLowerCase();
      if (s !== 'yes' && s !== 'no') return c.fail(`${shown}: Slurm accepts --kill-on-invalid-dep=yes or =no`);
      carry('killOnInvalidDep', s === 'yes', c, shown);
    },
  },
  begin: { short: 'b', arg: 'required', apply: dateTime('begin', '--begin') },
  deadline: { arg: 'required', apply: dateTime('deadline', '--deadline') },
  signal: {
    arg: 'required',
    apply: (v, c, shown) => {
      const r = parseSignalSpec(v ?? '');
      if ('error' in r) c.fail(r.error);
      else carry('signal', r, c, shown);
    },
  },
  'open-mode': {
    arg: 'required',
    apply: (v, c, shown) => {
      const s = (v ?? '').toLowerCase();
      if (/^a(ppend)?$/.test(s)) carry('openMode', 'append', c, shown);
      else if (/^t(runcate)?$/.test(s)) carry('openMode', 'truncate', c, shown);
      else c.fail(`${shown}: Slurm accepts --open-mode=append or --open-mode=truncate`);
    },
  },
  requeue: { arg: 'none', apply: (_v, c, shown) => carry('requeue', true, c, shown) },
  'no-requeue': { arg: 'none', apply: (_v, c, shown) => carry('requeue', false, c, shown) },
  'mail-type': {
    arg: 'required',
    apply: (v, c, shown) => {
      const types: MailType[] = [];
      for (const t of (v ?? '').split(',').map((x) => x.trim().toUpperCase())) {
        if (!(MAIL_TYPES as readonly string[]).includes(t)) return c.fail(`${shown}: "${t}" is not a mail type; ${MAIL_ACCEPTS}`);
        if (t !== 'NONE' && !types.includes(t as MailType)) types.push(t as MailType);
      }
      carry('mailType', (v ?? '').toUpperCase().split(',').includes('NONE') ? [] : types, c, shown);
    },
  },
  'mail-user': {
    arg: 'required',
    apply: (v, c, shown) => {
      const s = (v ?? '').trim();
      // A user name (mail goes to that user) or an address; Slurm passes it to the mail program as given.
      if (!/^[A-Za-z0-9._%+-]+(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?$/.test(s)) {
        return c.fail(`${shown}: give a user name or an e-mail address, e.g. --mail-user=alice@example.org`);
      }
      carry('mailUser', s, c, shown);
    },
  },
  comment: {
    arg: 'required',
    apply: (v, c, shown) => {
      if ((v ?? '').length > 1024) return c.fail(`${shown.slice(0, 30)}…: a comment is at most 1,024 characters`);
      carry('comment', v ?? '', c, shown);
    },
  },
  exclusive: {
    arg: 'optional',
    apply: (v, c, shown) => {
      if (v === undefined) carry('exclusive', 'node', c, shown);
      else if (v === 'user') carry('exclusive', 'user', c, shown);
      else if (v === 'mcs') c.warn(`ignored: ${shown} (MCS labels are not used; give --exclusive for whole nodes or --exclusive=user)`);
      else c.fail(`${shown}: Slurm accepts --exclusive, --exclusive=user or --exclusive=mcs`);
    },
  },
  wrap: { arg: 'required', apply: (v, c, shown) => carry('wrap', v ?? '', c, shown) },
};
