import { describe, expect, it } from 'vitest';
import { parseSbatch, type SbatchDirectives, type SbatchParseOptions, type SbatchSubmit } from './sbatch.ts';

const sh = (...lines: string[]) => ['#!/bin/bash', ...lines, 'srun x'].join('\n') + '\n';
const NOW = Date.UTC(2026, 11, 7, 6, 30, 0);

interface Case {
  script?: string;
  args?: string[];
  opts?: SbatchParseOptions;
  /** Expected fields of `directives` (toMatchObject). */
  wantDirectives?: Partial<Record<keyof SbatchDirectives, unknown>>;
  wantSubmit?: SbatchSubmit;
  wantLogPaths?: { stdout?: string; stderr?: string };
  /** Each must appear in one warning; exactly as many warnings. */
  wantWarnings?: string[];
  /** [path, substring] for each error; exactly as many errors. */
  wantErrors?: [string, string][];
}

const all: SbatchParseOptions = { honoured: 'all', now: NOW };

const cases: Record<string, Case> = {
  'an array with a limit': {
    script: sh('#SBATCH --array=0-99:4%5'), opts: all,
    wantDirectives: { array: { count: 25, min: 0, max: 96, step: 4, maxRunning: 5 } },
  },
  'dependencies': {
    script: sh('#SBATCH -d afterok:job_a:job_b,singleton', '#SBATCH --kill-on-invalid-dep=yes'), opts: all,
    wantDirectives: {
      dependency: { combine: 'all', clauses: [{ type: 'afterok', targets: [{ jobId: 'job_a' }, { jobId: 'job_b' }] }, { type: 'singleton', targets: [] }] },
      killOnInvalidDep: true,
    },
  },
  '--begin and --deadline resolved with the clock': {
    script: sh('#SBATCH --begin=now+1hour', '#SBATCH --deadline=2026-12-08T12:00:00'), opts: all,
    wantDirectives: { begin: { text: 'now+1hour', at: NOW + 3_600_000 }, deadline: { text: '2026-12-08T12:00:00', at: Date.UTC(2026, 11, 8, 12) } },
  },
  '--begin without a clock is only checked': {
    script: sh('#SBATCH -b teatime'), opts: { honoured: 'all' }, wantDirectives: { begin: { text: 'teatime' } },
  },
  'signal, open mode, requeue (the last wins), mail, comment, exclusive': {
    script: sh(
      '#SBATCH --signal=B:USR1@300', '#SBATCH --open-mode=append', '#SBATCH --requeue', '#SBATCH --no-requeue',
      '#SBATCH --mail-type=BEGIN,end,TIME_LIMIT_80', '#SBATCH --mail-user=kim@example.ac.kr', '#SBATCH --comment="sweep 3"',
      '#SBATCH --exclusive=user',
    ),
    opts: all,
    wantDirectives: {
      signal: { signal: 'USR1', number: 10, secondsBefore: 300, batchOnly: true }, openMode: 'append', requeue: false,
      mailType: ['BEGIN', 'END', 'TIME_LIMIT_80'], mailUser: 'kim@example.ac.kr', comment: 'sweep 3', exclusive: 'user',
    },
  },
  '--mail-type=NONE and a bare --exclusive': {
    script: sh('#SBATCH --mail-type=NONE', '#SBATCH --exclusive'), opts: all, wantDirectives: { mailType: [], exclusive: 'node' },
  },
  '--wckey and --exclusive=mcs are ignored with a warning': {
    script: sh('#SBATCH --wckey=proj', '#SBATCH --exclusive=mcs'), opts: all,
    wantWarnings: ['ignored: --wckey=proj (workload keys', 'ignored: --exclusive=mcs (MCS labels'],
  },
  'not honoured by the caller: refused or warned, never dropped': {
    script: sh('#SBATCH --array=1-3', '#SBATCH --signal=USR1', '#SBATCH --exclusive', '#SBATCH --mail-type=END'),
    wantErrors: [['script:2', '--array=1-3: job arrays are not supported yet']],
    wantWarnings: ['ignored: --signal=USR1 (no warning signal', 'ignored: --exclusive (nodes are shared', 'ignored: --mail-type=END (email'],
  },
  'output patterns with %A, %a and %%': {
    script: sh('#SBATCH -o logs/%x_%A_%a.out', '#SBATCH -e err-100%%-%j.txt'),
    wantLogPaths: { stdout: 'logs/%x_%A_%a.out', stderr: 'err-100%%-%j.txt' },
  },
  'a relative --chdir against the submit directory': {
    script: sh('#SBATCH -D ../runs/a'), opts: { submitDirectory: '/home/kim/project' },
    wantSubmit: { workingDirectory: '/home/kim/runs/a' },
  },
  'the command line wins over the script': {
    script: sh('#SBATCH -J from-script', '#SBATCH -t 60', '#SBATCH --mem-per-cpu=2G', '#SBATCH --gres=gpu:2', '#SBATCH -c 4'),
    args: ['-J', 'x', '-t', '10', '--mem', '4G', '--gres', 'gpu:1'],
    wantSubmit: { name: 'x', timeLimitSeconds: 600, memoryMbPerTask: 4096, devicesPerTask: 1, cpusPerTask: 4 },
  },
  'command-line options without a script': {
    args: ['-n', '2', '--ntasks-per-node=2', '--gpus-per-task=1', '--array=0-3', '--wrap', 'python sweep.py'], opts: all,
    wantSubmit: { tasks: 2, tasksPerNode: 2, devicesPerTask: 1 }, wantDirectives: { array: { count: 4 }, wrap: 'python sweep.py' },
  },
  // Bad input: each names the directive and what Slurm accepts.
  'an array over a configured MaxArraySize': {
    script: sh('#SBATCH --array=0-1001'), opts: { ...all, maxArraySize: 1001 },
    wantErrors: [['script:2', '--array=0-1001: "0-1001" goes past the largest index, 1000']],
  },
  'an array with a zero step': { script: sh('#SBATCH -a 0-9:0'), opts: all, wantErrors: [['script:2', 'step of 0']] },
  'a bad dependency': { script: sh('#SBATCH --dependency=afterok:a?afterany:b,c'), opts: all, wantErrors: [['script:2', 'cannot be mixed']] },
  'an unknown signal': { script: sh('#SBATCH --signal=USR9@60'), opts: all, wantErrors: [['script:2', '"USR9" is not a signal']] },
  'an unknown % letter': { script: sh('#SBATCH --output=out-%q.log'), wantErrors: [['script:2', '--output=out-%q.log: %q is not a file name pattern']] },
  'an unparseable --begin': { script: sh('#SBATCH --begin="next week"'), opts: all, wantErrors: [['script:2', '--begin=next week: not a date or time; Slurm accepts']] },
  'a bad --deadline': { script: sh('#SBATCH --deadline=31/31'), opts: all, wantErrors: [['script:2', '--deadline=31/31']] },
  'a bad mail type': { script: sh('#SBATCH --mail-type=END,SOMETIMES'), opts: all, wantErrors: [['script:2', '"SOMETIMES" is not a mail type; Slurm accepts']] },
  'a bad mail user': { script: sh('#SBATCH --mail-user="a b@x"'), opts: all, wantErrors: [['script:2', 'give a user name or an e-mail address']] },
  'a bad open mode': { script: sh('#SBATCH --open-mode=overwrite'), opts: all, wantErrors: [['script:2', 'Slurm accepts --open-mode=append or --open-mode=truncate']] },
  'a bad --exclusive value': { script: sh('#SBATCH --exclusive=node'), opts: all, wantErrors: [['script:2', 'Slurm accepts --exclusive, --exclusive=user']] },
  'a bad --kill-on-invalid-dep': { script: sh('#SBATCH --kill-on-invalid-dep=maybe'), opts: all, wantErrors: [['script:2', '=yes or =no']] },
  '--wrap in a script': { script: sh('#SBATCH --wrap="echo hi"'), opts: all, wantErrors: [['script', '--wrap replaces the script']] },
  'a relative --chdir without a submit directory': { script: sh('#SBATCH -D runs'), wantErrors: [['script', 'give an absolute path']] },
  'a bad command-line option': { args: ['-t', 'soon', '--frobnicate'], wantErrors: [['argv', '-t soon: "soon" is not a time'], ['argv', '--frobnicate is not an sbatch option']] },
};

describe('parseSbatch: Slurm features and the command line', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseSbatch({ script: c.script, args: c.args }, c.opts);
      const errors = r.errors.map((e) => `${e.path}: ${e.message}`);
      expect(r.errors, errors.join('\n')).toHaveLength(c.wantErrors?.length ?? 0);
      for (const [path, msg] of c.wantErrors ?? []) expect(r.errors.some((e) => e.path === path && e.message.includes(msg)), `${path} ${msg} in\n${errors.join('\n')}`).toBe(true);
      expect(r.warnings, r.warnings.join('\n')).toHaveLength(c.wantWarnings?.length ?? 0);
      for (const w of c.wantWarnings ?? []) expect(r.warnings.some((x) => x.includes(w)), `${w} in\n${r.warnings.join('\n')}`).toBe(true);
      if (c.wantDirectives) expect(r.directives).toMatchObject(c.wantDirectives);
      if (c.wantSubmit) expect(r.submit).toMatchObject(c.wantSubmit);
      if (c.wantLogPaths) expect(r.logPaths).toEqual(c.wantLogPaths);
    });
  }
});
