/**
 * The per-job supervisor: a POSIX shell script, started detached (its own session) by `launch.ts`, that runs
 * the job under GNU `timeout` and records how it ended. It is what lets a job outlive the server: the server
 * can be kill -9'd and restarted, and the job keeps running and still gets its exit recorded.
 *
 *   sh (supervisor, session leader S)
 *    └─ timeout --preserve-status --kill-after=GRACE LIMIT   (leader of the job's process group T)
 *        └─ /bin/bash script.sh                              (the job; everything it starts stays in group T)
 *
 * Why a shell and `timeout`, not a small Node program: starting `sh` + `timeout` + `bash` takes ~3 ms on the
 * project machine against ~51 ms (and tens of MB of memory per job) for `node -e 0`; see bench/RESULTS.md,
 * "Local executor start latency". GNU `timeout` (not in --foreground mode) makes itself leader of a new process
 * group, and on its deadline, or when it receives SIGTERM (that is how `cancel` reaches it), sends SIGTERM to
 * the job and to the whole group, then SIGKILL to the whole group after the grace period. The escalation thus
 * happens inside the detached tree: it completes even if the server dies in the middle of a cancel.
 *
 * With a cgroup (cgroups.ts), the job's first process moves itself into the job's cgroup before it becomes
 * `timeout`, so every descendant — setsid or not — is in it; when the job's main process ends, the
 * supervisor kills whatever is left in the cgroup (v2 cgroup.kill; v1 freeze, SIGKILL each, thaw) and
 * removes the cgroup, before it writes `status`: a job observed as exited has no process left.
 *
 * Running as the owner: the supervisor stays the server's (root's) process — it must manage the cgroup and
 * write the run directory, which the job cannot read — and `setpriv` switches to the owner's uid, gid and
 * groups only for the job itself, after `timeout` (root, so the job can neither signal nor outlive it).
 * The job opens its own log files (as the owner, in its private directory): a root process never opens a
 * path inside a directory a job can write, so a symlink planted by a job cannot make root write elsewhere.
 * The script reaches the job as file descriptor 3, opened by the supervisor from the run directory.
 *
 * Invariants:
 * - The supervisor never waits for anything the server does; it only reads `cancel` (a marker the server
 *   writes before signalling, so the status can say "cancelled") and writes `pgid` and `status`.
 * - `status` appears atomically (written to `status.tmp`, then renamed): a reader sees all of it or nothing.
 * - When the job's main process ends, whatever it left behind in its process group (and its cgroup, when
 *   it has one) is SIGKILLed (as Slurm does at the end of a step), so `sleep 1000 &` does not outlive it.
 * - Tools are called by absolute path: the job's environment (and its PATH) is the supervisor's environment.
 * - umask 077: whatever the job creates is its owner's alone unless it says otherwise.
 *
 * Trade-offs: a shell sees only `$?`, so "killed by signal N" and "exit(128+N)" look the same; we report
 * statuses above 128 that name a signal as that signal (the shell's own convention). Without a writable
 * cgroup, processes that leave the job's process group (setsid, double fork into a new group) escape both
 * the time limit and cancel; the executor warns at start when it has to track jobs that way.
 */

/**
 * Positional parameters: $1 run directory, $2 the directory the job starts in (its working directory; for a
 * job that switches to its owner, its private directory), $3 time limit (s), $4 grace period (s),
 * $5 stdout path, $6 stderr path (opened by the job, relative to $2 or absolute), $7 timeout, $8 bash, $9 date, ${10} mv, ${11} sh, ${12} sleep,
 * ${13} rmdir (binaries), ${14} the cgroup directories to join (space-separated; "" = none), ${15} the
 * tracking cgroup, ${16} the v1 freezer cgroup or "", ${17} the v2 cgroup.kill file or "", ${18} the
 * user switch (`setpriv --reuid=U --regid=G --groups=... --`, word-split; "" = stay), ${19} a working
 * directory the job enters itself, after opening its logs ("" = none): as its owner, so the kernel checks
 * the owner's access to the path, not root's.
 *
 * /proc/uptime (monotonic, centiseconds, read with the `read` builtin so no process is forked on the way in)
 * measures the elapsed time from which the caller decides whether the time limit was reached.
 */
export const SUPERVISOR_SCRIPT = `d=$1 wd=$2 limit=$3 grace=$4 out=$5 err=$6 timeout=$7 bash=$8 date=$9 mv=\${10} sh=\${11} sleep=\${12} rmdir=\${13}
cgjoin=\${14} cgtrack=\${15} cgfreeze=\${16} cgkill=\${17} runas=\${18} enter=\${19}
read u0 _ < /proc/uptime
st() {
  read u1 _ < /proc/uptime
  c=0; [ -e "$d/cancel" ] && c=1
  printf 'kind=%s\\nrc=%s\\nelapsedCs=%s\\nendedAt=%s\\ncancelled=%s\\n' "$1" "$2" $(( \${u1%.*}\${u1#*.} - \${u0%.*}\${u0#*.} )) "$("$date" +%s%3N)" "$c" > "$d/status.tmp" && "$mv" -f "$d/status.tmp" "$d/status"
}
cgpids() { while read -r x; do printf '%s ' "$x"; done < "$cgtrack/cgroup.procs"; }
cgend() {
  [ -n "$cgtrack" ] || return 0
  n=0
  while [ $n -lt 500 ]; do
    p=$(cgpids 2>/dev/null)
    [ -z "$p" ] && break
    if [ -n "$cgkill" ]; then echo 1 > "$cgkill"
    elif [ -n "$cgfreeze" ]; then
      echo FROZEN > "$cgfreeze/freezer.state"; p=$(cgpids 2>/dev/null); [ -n "$p" ] && kill -9 $p 2>/dev/null
      echo THAWED > "$cgfreeze/freezer.state"
    else kill -9 $p 2>/dev/null; fi
    "$sleep" 0.01; n=$((n+1))
  done
  for c in $cgjoin; do "$rmdir" "$c" 2>/dev/null || { "$sleep" 0.05; "$rmdir" "$c" 2>/dev/null; }; done
}
if [ -e "$d/cancel" ]; then cgend; st not_started 0; exit 0; fi
cd "$wd" 2>/dev/null || { cgend; st no_working_directory 0; exit 0; }
umask 077
"$sh" -c 'for c in $1; do echo $$ > "$c/cgroup.procs" || exit 125; done; shift; exec "$@"' cheomdan-join "$cgjoin" \
  "$timeout" --preserve-status --kill-after="$grace" "$limit" $runas \
  "$bash" -c 'exec >>"$1" 2>>"$2" || exit 126; if [ -n "$3" ]; then cd -- "$3" || exit 1; fi; exec "$0" /dev/fd/3' "$bash" "$out" "$err" "$enter" \
  </dev/null >>"$d/supervisor.log" 2>&1 3<"$d/script.sh" &
t=$!
echo "$t" > "$d/pgid"
wait "$t"
rc=$?
kill -9 -"$t" 2>/dev/null
cgend
st exited "$rc"
`;

/** The supervisor's $0: with the run directory after it, it identifies a supervisor in /proc/<pid>/cmdline. */
export const SUPERVISOR_ARGV0 = 'cheomdan-supervisor';

/** How the supervisor ended a run; `exited` is the only kind in which the job's script ran. */
export type SupervisorOutcome = 'exited' | 'not_started' | 'no_working_directory';

/** The supervisor's `status` file, parsed. */
export interface SupervisorStatus {
  kind: SupervisorOutcome;
  /** `$?` of `timeout`: the job's exit status, 128+N when it (or timeout itself) died of signal N. */
  rc: number;
  /** Time from the supervisor's start to the job's end, in centiseconds (monotonic clock). */
  elapsedCs: number;
  /** Wall-clock end, ms since the epoch. */
  endedAt: number;
  /** The cancel marker existed when the job ended. */
  cancelled: boolean;
}

const KINDS: readonly SupervisorOutcome[] = ['exited', 'not_started', 'no_working_directory'];

/** Parses a status file; returns null when it is not one (never throws: a torn or foreign file is "no status"). */
export function parseSupervisorStatus(text: string): SupervisorStatus | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const kind = fields.get('kind') as SupervisorOutcome | undefined;
  const num = (k: string): number | null => {
    const v = fields.get(k);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null;
  };
  const rc = num('rc');
  const elapsedCs = num('elapsedCs');
  const endedAt = num('endedAt');
  const cancelled = fields.get('cancelled');
  if (kind === undefined || !KINDS.includes(kind) || rc === null || elapsedCs === null || endedAt === null) return null;
  if (cancelled !== '0' && cancelled !== '1') return null;
  return { kind, rc, elapsedCs, endedAt, cancelled: cancelled === '1' };
}

/** Signal numbers of Linux (x86-64 and arm64 agree on these) to names, for statuses above 128. */
const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  24: 'SIGXCPU', 25: 'SIGXFSZ',
};

/**
 * Turns a shell exit status into the contract's exit code / signal pair: exactly one of them is non-null.
 * 128+N for a signal N we know is reported as that signal (what the shell itself means by it).
 */
export function exitFromStatus(rc: number): { exitCode: number | null; signal: string | null } {
  const name = rc > 128 ? SIGNAL_NAMES[rc - 128] : undefined;
  return name === undefined ? { exitCode: rc, signal: null } : { exitCode: null, signal: name };
}

/**
 * Whether the job ended because of its time limit: it ran at least that long (less one tick of
 * /proc/uptime's 10 ms resolution) and was not cancelled. `timeout` fires only after the limit, and the
 * supervisor starts its clock before `timeout`, so a fired limit always satisfies this; a job that ends on
 * its own within 10 ms of its limit is counted as timed out too.
 */
export function reachedTimeLimit(status: SupervisorStatus, timeLimitSeconds: number): boolean {
  return !status.cancelled && status.kind === 'exited' && status.elapsedCs >= timeLimitSeconds * 100 - 1;
}
