/**
 * What Linux says about a process, from /proc/<pid>/stat. Pids are reused (pid_max is 32768 on the project
 * machine), so a pid alone never identifies a process: we pair it with its start time (field 22, clock
 * ticks since boot), which a reused pid cannot share, and with its session and process group, which tie a
 * process to the supervisor that made them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie: exited, not yet reaped), T, ... */
  state: string;
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot, as a decimal string (it can exceed 2^53 on long-lived hosts). */
  startTicks: string;
}

/** Parses the text of /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the command name start at field 3 (state).
  const rest = text.slice(close + 2).trim().split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const session = Number(rest[3]);
  const startTicks = rest[19];
  if (state === undefined || startTicks === undefined || !Number.isInteger(pid) || !Number.isInteger(pgrp)) return null;
  return { pid, state, pgrp, session, startTicks };
}

/** The process's stat, or null when no such process exists (or it is a zombie: it has exited). */
export async function procStat(pid: number): Promise<ProcStat | null> {
  try {
    const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    return stat === null || stat.state === 'Z' ? null : stat;
  } catch {
    return null;
  }
}

/** Synchronous variant for the start path, where the process is our own unreaped child and must exist. */
export function procStatSync(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Whether `pid` is still the very process that had `startTicks` (not exited, not a reused pid). */
export async function isSameProcessAlive(pid: number, startTicks: string): Promise<boolean> {
  const stat = await procStat(pid);
  return stat !== null && stat.startTicks === startTicks;
}

const argvNeedle = (args: readonly string[]): string => `\0${args.join('\0')}\0`;

/** Whether a live process's command line contains `args` as consecutive whole arguments. */
export async function hasArguments(pid: number, args: readonly string[]): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(argvNeedle(args));
  } catch {
    return false;
  }
}

/**
 * Finds a live process whose command line contains `args` as consecutive whole arguments, by scanning /proc.
 * Slow (one read per process on the host); used only for a run whose launch record lacks the supervisor's
 * pid because the server died in the millisecond between spawning it and recording it.
 */
export async function findProcessByArguments(args: readonly string[]): Promise<ProcStat | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (!(await hasArguments(Number(entry), args))) continue;
    const stat = await procStat(Number(entry));
    if (stat !== null) return stat;
  }
  return null;
}

/**
 * SIGKILLs every process of a session (the supervisor and the job's process group both live in the
 * supervisor's session). Scans /proc; for the rare path of a start that cannot be recorded.
 */
export async function killSession(session: number): Promise<void> {
  // Repeat: a process can fork between our reading /proc and our signal reaching it.
  for (let pass = 0; pass < 5; pass++) {
    let found = 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await procStat(Number(entry));
      if (stat?.session !== session) continue;
      found++;
      try {
        process.kill(stat.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (found === 0) return;
  }
}
