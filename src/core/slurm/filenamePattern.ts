/**
 * Output and error file name patterns, as sbatch(1) documents them ("filename pattern", 22.05):
 *
 *   %%  a literal %               %A  the array's master job id (the job id for a job that is not an array)
 *   %a  the array task index      %J  jobid.stepid (the batch script: the job id alone)
 *   %j  the job id                %N  the short host name of the first node
 *   %n  the node's index in the job (0 for the batch script)      %s  the step id ("batch")
 *   %t  the task rank (0 for the batch script)                    %u  the user name
 *   %x  the job name
 * A number between % and the letter pads with zeros to that width (`%4a` → 0007; at most 10, as Slurm).
 * A name containing a backslash is not expanded at all; the backslashes are dropped (Slurm's `\\` rule).
 *
 * Defaults, as sbatch: `slurm-%j.out` for a job, `slurm-%A_%a.out` for an array task; the error stream goes
 * to the output file unless `-e` is given. Relative names are relative to the job's working directory.
 * A task that is not part of an array has task index 4294967294 (Slurm's NO_VAL), which %a prints.
 * Pure: validation (`checkFilenamePattern`) needs no job; expansion takes the job's values.
 */

export const DEFAULT_OUTPUT_PATTERN = 'slurm-%j.out';
export const DEFAULT_ARRAY_OUTPUT_PATTERN = 'slurm-%A_%a.out';
/** Slurm's NO_VAL, which `%a` prints for a job that is not an array task. */
export const NO_ARRAY_TASK = 4294967294;

const LETTERS = 'AaJjNnstux';
const ACCEPTS = 'Slurm accepts %% %A %a %J %j %N %n %s %t %u %x, optionally with a zero-padding width such as %4a';

export interface PatternValues {
  jobId: string;
  jobName: string;
  user: string;
  /** The array's job id, when this is an array task. */
  arrayJobId?: string | undefined;
  arrayTaskId?: number | undefined;
  /** Short host name of the first node (the part before the first dot). */
  node?: string | undefined;
  nodeIndex?: number | undefined;
  taskRank?: number | undefined;
}

/** Checks a pattern; `option` names the directive for the message (`--output`, `--error`). */
export function checkFilenamePattern(pattern: string, option: string): { error: string } | undefined {
  if (pattern === '') return { error: `${option}: empty file name; give a file name such as slurm-%j.out` };
  if (pattern.includes('\\')) return undefined;
  const re = /%(\d*)(.?)/gs;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) {
    const letter = m[2] as string;
    if (letter === '%' && m[1] === '') continue;
    if (letter === '' || !LETTERS.includes(letter)) {
      const shown = letter === '' ? '% at the end' : `%${m[1]}${letter}`;
      return { error: `${option}=${pattern}: ${shown} is not a file name pattern; ${ACCEPTS} (write %% for a literal %)` };
    }
  }
  return undefined;
}

/** Fills in a pattern already checked with `checkFilenamePattern` (an unknown letter is left as written). */
export function expandFilenamePattern(pattern: string, v: PatternValues): string {
  if (pattern.includes('\\')) return pattern.replace(/\\/g, '');
  return pattern.replace(/%(\d*)(.?)/gs, (whole, w: string, letter: string) => {
    if (letter === '%' && w === '') return '%';
    const width = Math.min(10, w === '' ? 0 : Number(w));
    const pad = (x: string | number) => String(x).padStart(width, '0');
    switch (letter) {
      case 'A':
        return pad(v.arrayJobId ?? v.jobId);
      case 'a':
        return pad(v.arrayTaskId ?? NO_ARRAY_TASK);
      case 'j':
      case 'J':
        return pad(v.jobId);
      case 'N':
        return (v.node ?? 'localhost').split('.')[0] as string;
      case 'n':
        return pad(v.nodeIndex ?? 0);
      case 's':
        return 'batch';
      case 't':
        return pad(v.taskRank ?? 0);
      case 'u':
        return v.user;
      case 'x':
        return v.jobName;
      default:
        return whole;
    }
  });
}

/** The output pattern Slurm uses when `-o` is not given. */
export function defaultOutputPattern(isArray: boolean): string {
  return isArray ? DEFAULT_ARRAY_OUTPUT_PATTERN : DEFAULT_OUTPUT_PATTERN;
}
