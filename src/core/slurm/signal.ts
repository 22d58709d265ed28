/**
 * `--signal=[{R|B}:]SIG[@TIME]` (sbatch(1), 22.05): send SIG to the job TIME seconds before its time limit.
 * SIG is a number or a name, with or without `SIG` (`USR1`, `SIGUSR1`, `10`); TIME is 0 to 65535 seconds,
 * default 60. `B:` signals only the batch shell (not the steps it started); `R:` lets the job overlap a
 * reservation with MaxStartDelay — carried, with no effect here. Pure.
 */

/** Linux signal numbers (signal(7), x86/ARM), the ones Slurm's sig_name2num knows. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

export interface SignalSpec {
  /** The signal's name without SIG ("USR1"), or the number as text when it has no name ("40"). */
  signal: string;
  number: number;
  /** Seconds before the time limit. */
  secondsBefore: number;
  /** `B:`: only the batch shell. */
  batchOnly: boolean;
  /** `R:`: may overlap a reservation with MaxStartDelay. */
  reservationOverlap: boolean;
}

const ACCEPTS =
  'Slurm accepts --signal=[{R|B}:]SIG[@SECONDS] with SIG a signal name or number (e.g. USR1, SIGTERM, 10) and SECONDS from 0 to 65535 (default 60), e.g. --signal=B:USR1@300';

export function parseSignalSpec(text: string): SignalSpec | { error: string } {
  const s = text.trim();
  const bad = (why: string) => ({ error: `--signal=${s}: ${why}; ${ACCEPTS}` });
  const m = /^(?:([RB]{1,2}):(?:([RB]):)?)?([^@]+)(?:@(.*))?$/i.exec(s);
  if (!m) return bad('not a signal specification');
  const flags = `${m[1] ?? ''}${m[2] ?? ''}`.toUpperCase();
  if (new Set(flags).size !== flags.length) return bad(`"${flags}" repeats a flag`);
  const sig = (m[3] as string).toUpperCase();
  let number: number;
  let name: string;
  if (/^\d+$/.test(sig)) {
    number = Number(sig);
    if (number < 1 || number > 64) return bad(`signal number ${number} is out of range (1 to 64)`);
    name = Object.entries(SIGNAL_NUMBERS).find(([, n]) => n === number)?.[0] ?? String(number);
  } else {
    name = sig.replace(/^SIG/, '');
    const n = SIGNAL_NUMBERS[name];
    if (n === undefined) return bad(`"${m[3]}" is not a signal (known: ${Object.keys(SIGNAL_NUMBERS).join(', ')})`);
    number = n;
  }
  let secondsBefore = 60;
  if (m[4] !== undefined) {
    if (!/^\d+$/.test(m[4]) || Number(m[4]) > 65535) return bad(`"@${m[4]}" is not a time from 0 to 65535 seconds`);
    secondsBefore = Number(m[4]);
  }
  return { signal: name, number, secondsBefore, batchOnly: flags.includes('B'), reservationOverlap: flags.includes('R') };
}
