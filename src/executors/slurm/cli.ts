/**
 * The CLI fallback: sbatch / squeue --json / sinfo --json / scancel, used when slurmrestd is down.
 * Commands authenticate with munge as the server's own user. To submit as another user the server must
 * run as root (it runs sbatch through `runuser -u USER`); otherwise only its own user can be served.
 *
 * Commands run with an environment we build: sbatch and squeue read SLURM_* and SBATCH_* variables as
 * inputs, and sbatch exports its environment into the job, so nothing of the server's leaks in.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { userInfo } from 'node:os';
import {
  pickJobs, SlurmError, type SlurmClient, type SlurmJob, type SlurmJobRequest, type SlurmNode,
} from './client.ts';

export interface CliClientOptions {
  /** Directory holding sbatch, squeue, sinfo, scancel; default: found on PATH. */
  binDir?: string | undefined;
  /** Per-command timeout, ms. Default 20 000. */
  timeoutMs?: number | undefined;
  /** PATH for the commands themselves. Default /usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin. */
  path?: string | undefined;
}

interface RunResult { stdout: string; stderr: string; code: number | null }

export class SlurmCliClient implements SlurmClient {
  readonly kind = 'cli';
  readonly #path: string;
  constructor(private readonly opts: CliClientOptions = {}) {
    this.#path = opts.path ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
  }

  async submit(user: string, req: SlurmJobRequest): Promise<number> {
    const args = [
      '--parsable', `--job-name=${req.name}`, `--comment=${req.comment}`, `--nodes=${req.nodes}`,
      `--ntasks=${req.tasks}`, `--time=${req.timeLimitMinutes}`, `--chdir=${req.workingDirectory}`,
      `--output=${req.stdoutPath}`, `--error=${req.stderrPath}`, '--no-requeue', '--export=ALL',
    ];
    if (req.partition) args.push(`--partition=${req.partition}`);
    if (req.account) args.push(`--account=${req.account}`);
    if (req.nodeList?.length) args.push(`--nodelist=${req.nodeList.join(',')}`);
    if (req.tasksPerNode) args.push(`--ntasks-per-node=${req.tasksPerNode}`);
    if (req.cpusPerTask) args.push(`--cpus-per-task=${req.cpusPerTask}`);
    if (req.gresPerNode) args.push(`--gres=${req.gresPerNode}`);
    if (req.memoryPerNodeMb) args.push(`--mem=${req.memoryPerNodeMb}`);
    const self = userInfo().username;
    let cmd = this.#bin('sbatch');
    if (user !== self) {
      if (process.getuid?.() !== 0) {
        throw new SlurmError('rejected', `the CLI fallback runs as "${self}" and cannot submit as "${user}": run the server as root, or keep slurmrestd up`);
      }
      args.unshift('-u', user, '--', this.#which(cmd));
      cmd = this.#which('runuser');
    }
    // The job's environment is exactly the requested one (sbatch --export=ALL exports what it was given).
    const env = { ...req.environment, PATH: req.environment.PATH ?? this.#path };
    const r = await this.#run(cmd === 'runuser' || cmd.endsWith('/runuser') ? cmd : this.#which(cmd), args, env, req.script);
    if (r.code !== 0) throw cliError('sbatch', r);
    const id = Number(r.stdout.trim().split(';')[0]);
    if (!Number.isInteger(id) || id <= 0) throw new SlurmError('rejected', `sbatch printed no job id: ${r.stdout.trim()} ${r.stderr.trim()}`);
    return id;
  }

  async jobs(): Promise<SlurmJob[]> {
    // squeue --json ignores -j/-u filters in 22.05 and lists every job slurmctld holds.
    const r = await this.#run(this.#bin('squeue'), ['--json'], { PATH: this.#path });
    if (r.code !== 0) throw cliError('squeue', r);
    return (parseJson(r.stdout, 'squeue --json') as { jobs?: SlurmJob[] }).jobs ?? [];
  }

  /** squeue --json cannot filter in 22.05: one listing, then the wanted jobs. */
  async jobsById(ids: readonly number[]): Promise<Map<number, SlurmJob>> {
    return pickJobs(await this.jobs(), ids);
  }

  async cancel(jobId: number): Promise<void> {
    const r = await this.#run(this.#bin('scancel'), [String(jobId)], { PATH: this.#path });
    if (r.code === 0) return;
    if (/already completing or completed|Invalid job id/i.test(r.stderr)) return;
    throw cliError('scancel', r);
  }

  async nodes(): Promise<SlurmNode[]> {
    const r = await this.#run(this.#bin('sinfo'), ['--json'], { PATH: this.#path });
    if (r.code !== 0) throw cliError('sinfo', r);
    return (parseJson(r.stdout, 'sinfo --json') as { nodes?: SlurmNode[] }).nodes ?? [];
  }

  #bin(name: string): string {
    return this.opts.binDir ? `${this.opts.binDir}/${name}` : name;
  }

  /** Absolute path of a command on our PATH: the job's environment (and PATH) is not ours. */
  #which(name: string): string {
    if (name.includes('/')) return name;
    for (const dir of this.#path.split(':')) {
      try {
        accessSync(`${dir}/${name}`, constants.X_OK);
        return `${dir}/${name}`;
      } catch {
        // next
      }
    }
    return name;
  }

  #run(cmd: string, args: string[], env: Record<string, string>, stdin?: string): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        cmd, args,
        { env, timeout: this.opts.timeoutMs ?? 20_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (err && typeof (err as { code?: unknown }).code === 'string') {
            // ENOENT/EACCES: a missing or unusable command is configuration, not a passing outage
            reject(new SlurmError('rejected', `cannot run ${cmd}: ${err.message} (is the Slurm client installed? cliBinDir?)`, { cause: err }));
            return;
          }
          if (err && (err as { killed?: boolean }).killed) {
            reject(new SlurmError('unavailable', `${cmd} timed out: ${stderr.trim()}`, { cause: err }));
            return;
          }
          resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
        },
      );
      // A command that exits before reading its input (a refused option, a controller that is down) closes
      // the pipe: EPIPE here is not an error of its own — the exit status and stderr above say what happened.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(stdin ?? '');
    });
  }
}

/** "Unable to contact slurm controller" and socket errors are transient; anything else is Slurm's refusal. */
function cliError(cmd: string, r: RunResult): SlurmError {
  const msg = r.stderr.trim().replace(/\s+/g, ' ') || r.stdout.trim();
  const transient = /Unable to contact slurm controller|Socket timed out|Connection refused|Communication connection failure|Zero Bytes were transmitted|slurm_load_jobs error: Unable/i.test(msg);
  return new SlurmError(transient ? 'unavailable' : 'rejected', `${cmd} failed: ${msg}`, { where: 'slurmctld' });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SlurmError('unavailable', `${what} printed no JSON: ${text.slice(0, 200)}`, { cause: e });
  }
}
