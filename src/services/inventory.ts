/**
 * Where inventory comes from, at the I/O edge: an inventory file (declared nodes and devices, for demos,
 * tests and the simulator) or this host (CPUs, memory and NVIDIA GPUs found by `nvidia-smi`).
 *
 * Host probing decisions:
 * - No `nvidia-smi` (not installed, not on PATH): a CPU-only node, no error and no warning: that is the
 *   normal case on a laptop or a CI runner.
 * - `nvidia-smi` present but failing (driver not loaded, no devices, timeout): a CPU-only node and a warning
 *   that quotes its error, so an operator who expected GPUs sees why there are none.
 * - A GPU model missing from the accelerator catalog: skipped with a warning naming the model and telling
 *   how to add it. We do not invent a generic "unknown" type: capacity and accounting need real peaks, and a
 *   device scheduled without them would be reported as 0 PF or guessed. Skipped devices keep their index
 *   gap (CUDA_VISIBLE_DEVICES indices stay the ones nvidia-smi printed).
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { extname } from 'node:path';
import { acceleratorForProbeName } from '../core/accelerators.ts';
import { CheomdanError } from '../core/errors.ts';
import { asNodeName, asPartition } from '../core/ids.ts';
import type { Device, InventoryNode } from '../core/inventory.ts';
import { parseInventory, type Inventory } from '../core/inventoryFile.ts';

/**
 * Reads and parses an inventory file: `.json` is JSON, `.yaml` / `.yml` (or anything else) YAML.
 * Throws CheomdanError('invalid_config') naming the file when it is missing or unreadable, and
 * ('validation_failed') listing every problem when its content is wrong.
 */
export async function loadInventoryFile(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist'
      : code === 'EACCES' ? 'cannot be read (permission denied)'
      : code === 'EISDIR' ? 'is a directory, not a file'
      : `cannot be read (${(e as Error).message})`;
    throw new CheomdanError('invalid_config', `Inventory file ${path} ${why}. Pass the path of a YAML or JSON inventory (see examples/inventories/).`, {
      cause: e,
      extra: { path },
    });
  }
  const format = extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parseInventory(text, format, path);
}

export interface ProbeOptions {
  /** Node name; default os.hostname(). */
  nodeName?: string;
  /** Partition of the node; default 'local'. */
  partition?: string;
  /** The nvidia-smi executable: a path or a name looked up on PATH; default 'nvidia-smi'. */
  nvidiaSmi?: string;
  /** Environment for nvidia-smi (its PATH decides where a bare name is found); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where warnings go (unknown GPU model, failing nvidia-smi); default console.warn. */
  warn?: (message: string) => void;
  /** How long nvidia-smi may take, in ms; default 10,000 (a healthy one answers in well under a second). */
  timeoutMs?: number;
}

/** One GPU as `nvidia-smi --query-gpu=index,name,memory.total,uuid --format=csv,noheader,nounits` prints it. */
export interface ProbedGpu {
  index: number;
  name: string;
  memoryMib: number;
  uuid: string;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.total,uuid', '--format=csv,noheader,nounits'] as const;

/** Parses nvidia-smi's CSV (one GPU a line: `0, NVIDIA H100 80GB HBM3, 81559, GPU-…`). Pure. */
export function parseNvidiaSmiCsv(stdout: string): { gpus: ProbedGpu[]; problems: string[] } {
  const gpus: ProbedGpu[] = [];
  const problems: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cols = line.split(',').map((c) => c.trim());
    const index = Number(cols[0]);
    const memoryMib = Number(cols[2]);
    if (cols.length !== 4 || !Number.isInteger(index) || index < 0 || !Number.isFinite(memoryMib)) {
      problems.push(`unexpected nvidia-smi line: "${line}"`);
      continue;
    }
    gpus.push({ index, name: cols[1]!, memoryMib, uuid: cols[3]! });
  }
  return { gpus, problems };
}

/** Maps probed GPUs to catalog devices; unknown models are skipped with a warning each. */
export function devicesFromGpus(gpus: readonly ProbedGpu[], warn: (m: string) => void): Device[] {
  const devices: Device[] = [];
  for (const g of gpus) {
    const type = acceleratorForProbeName(g.name);
    if (!type) {
      warn(
        `GPU ${g.index} ("${g.name}", ${g.memoryMib} MiB) is not in the accelerator catalog and is not offered to jobs; ` +
          'add it to src/core/accelerators.ts with its peaks and probe name',
      );
      continue;
    }
    devices.push({ index: g.index, type: type.id });
  }
  return devices;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ stdout: string; error: (ExecFileException & { stderr: string }) | null }>((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ stdout, error: error ? Object.assign(error, { stderr }) : null });
    });
  });
}

/**
 * Describes this host as one inventory node (source 'host'): CPUs from os.availableParallelism(), memory
 * from os.totalmem(), NVIDIA GPUs from nvidia-smi when present. Never throws for missing GPUs.
 */
export async function probeHost(opts: ProbeOptions = {}): Promise<InventoryNode> {
  const warn = opts.warn ?? ((m: string) => console.warn(`cheomdan: ${m}`));
  const cmd = opts.nvidiaSmi ?? 'nvidia-smi';
  const { stdout, error } = await run(cmd, NVIDIA_SMI_ARGS, opts.env ?? process.env, opts.timeoutMs ?? 10_000);
  let devices: Device[] = [];
  if (error) {
    if (error.code !== 'ENOENT') {
      const detail = error.stderr.trim() || stdout.trim() || error.message;
      warn(`${cmd} failed (${error.killed ? 'timed out' : `exit ${String(error.code)}`}): ${detail.split('\n')[0]}; no GPUs probed`);
    }
  } else {
    const { gpus, problems } = parseNvidiaSmiCsv(stdout);
    for (const p of problems) warn(p);
    devices = devicesFromGpus(gpus, warn);
  }
  return {
    name: asNodeName(opts.nodeName ?? os.hostname()),
    partition: asPartition(opts.partition ?? 'local'),
    cpus: os.availableParallelism(),
    memoryMb: Math.floor(os.totalmem() / (1024 * 1024)),
    devices,
    labels: {},
    state: 'up',
    source: 'host',
  };
}
