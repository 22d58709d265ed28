/**
 * Slurm's value syntaxes, as sbatch reads them: time limits, memory sizes, counts, accelerator type names,
 * log file patterns, and the word splitting of a directive line. Pure. The CLI parses its own flags with the
 * same rules, and sbatchOptions.ts uses them for every directive.
 */
import { ACCELERATOR_CATALOG } from './accelerators.ts';

/** 30 days, the contract's maximum time limit. */
export const MAX_TIME_LIMIT_SECONDS = 30 * 24 * 3600;

// ---------------------------------------------------------------------------------------------------------
// Values: time, sizes, counts, accelerator types. Exported: the CLI parses its flags with the same rules.

/**
 * Parses a Slurm time limit: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`. Returns seconds, or an error
 * message. `0`, `UNLIMITED` and `INFINITE` (no limit) are refused: every job here has a limit.
 */
export function parseSlurmTime(text: string): { seconds: number } | { error: string } {
  const s = text.trim();
  const formats = 'use minutes ("90"), "M:S", "H:M:S", "D-H", "D-H:M" or "D-H:M:S" (e.g. "1-12:00:00")';
  if (/^(unlimited|infinite)$/i.test(s)) {
    return { error: `"${s}": jobs need a time limit here (at most 30-00:00:00); ${formats}` };
  }
  let days = 0;
  let rest = s;
  const dash = /^(\d+)-(.*)$/.exec(s);
  if (dash) {
    days = Number(dash[1]);
    rest = dash[2] ?? '';
  }
  const parts = rest.split(':');
  if (rest === '' || parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) {
    return { error: `"${s}" is not a time; ${formats}` };
  }
  const n = parts.map(Number);
  let seconds: number;
  if (dash) {
    // D-H, D-H:M, D-H:M:S
    seconds = days * 86400 + (n[0] ?? 0) * 3600 + (n[1] ?? 0) * 60 + (n[2] ?? 0);
  } else if (n.length === 1) {
    seconds = (n[0] ?? 0) * 60; // M
  } else if (n.length === 2) {
    seconds = (n[0] ?? 0) * 60 + (n[1] ?? 0); // M:S
  } else {
    seconds = (n[0] ?? 0) * 3600 + (n[1] ?? 0) * 60 + (n[2] ?? 0); // H:M:S
  }
  if (seconds === 0) return { error: `"${s}": a time limit of 0 means "no limit" in Slurm, which is not allowed here; ${formats}` };
  if (seconds > MAX_TIME_LIMIT_SECONDS) return { error: `"${s}" is longer than the maximum of 30 days (30-00:00:00)` };
  return { seconds };
}

/** Formats seconds the way Slurm prints limits: `H:MM:SS`, or `D-HH:MM:SS` from one day up. */
export function formatSlurmTime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = Math.floor(seconds % 60);
  const p = (x: number) => String(x).padStart(2, '0');
  return d > 0 ? `${d}-${p(h)}:${p(m)}:${p(sec)}` : `${h}:${p(m)}:${p(sec)}`;
}

/**
 * Parses a Slurm memory size into MiB: a number with an optional K, M, G or T suffix (binary units; no suffix
 * means M, as in Slurm; a trailing "B" is tolerated: "32GB").
 */
export function parseMemoryMb(text: string): { mb: number } | { error: string } {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])?(?:I?B)?$/i.exec(text.trim());
  if (!m) return { error: `"${text}" is not a memory size; use a number of MiB or a K/M/G/T suffix (e.g. "32G")` };
  const value = Number(m[1]);
  const unit = (m[2] ?? 'M').toUpperCase();
  const factor = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[unit] ?? 1;
  return { mb: Math.ceil(value * factor) };
}

export function parseCount(text: string, what: string, min = 1): { n: number } | { error: string } {
  if (!/^\d+$/.test(text.trim())) return { error: `"${text}" is not a whole number (${what})` };
  const n = Number(text.trim());
  if (n < min) return { error: `${what} must be at least ${min}, got ${n}` };
  return { n };
}

/** Short names people use for accelerator types (Slurm GRES types, constraints), lower case. */
const ACCELERATOR_ALIASES: Readonly<Record<string, string>> = {
  h100: 'nvidia-h100-sxm-80gb',
  'h100-sxm': 'nvidia-h100-sxm-80gb',
  'h100-80gb': 'nvidia-h100-sxm-80gb',
  'h100-sxm5': 'nvidia-h100-sxm-80gb',
  'h100-80gb-hbm3': 'nvidia-h100-sxm-80gb',
  'h100-pcie': 'nvidia-h100-pcie-80gb',
  h100pcie: 'nvidia-h100-pcie-80gb',
  h200: 'nvidia-h200-sxm-141gb',
  'h200-141gb': 'nvidia-h200-sxm-141gb',
  a100: 'nvidia-a100-sxm-80gb',
  'a100-80gb': 'nvidia-a100-sxm-80gb',
  'a100-sxm4-80gb': 'nvidia-a100-sxm-80gb',
  l40s: 'nvidia-l40s-48gb',
  atom: 'rebellions-atom',
  'rbln-ca12': 'rebellions-atom',
  rngd: 'furiosa-rngd',
  warboy: 'furiosa-warboy',
};

const normaliseTypeName = (s: string) => s.trim().toLowerCase().replace(/[\s_]+/g, '-');

/** The names accepted for each accelerator type, for error messages: "h100 (nvidia-h100-sxm-80gb), …". */
export function knownAcceleratorNames(): string {
  return ACCELERATOR_CATALOG.map((a) => {
    const short = Object.entries(ACCELERATOR_ALIASES).find(([, id]) => id === a.id)?.[0];
    return short ? `${short} (${a.id})` : a.id;
  }).join(', ');
}

/**
 * Maps a type name to a catalog id: the id itself, a short alias ("h100", "a100", "rngd"), or the name
 * nvidia-smi / Slurm's GRES autodetection reports ("nvidia_h100_80gb_hbm3"). Case and `_` vs `-` do not matter.
 */
export function resolveAcceleratorType(name: string): string | undefined {
  const n = normaliseTypeName(name);
  for (const a of ACCELERATOR_CATALOG) {
    if (a.id === n || a.probeNames.some((p) => normaliseTypeName(p) === n)) return a.id;
  }
  return ACCELERATOR_ALIASES[n] ?? ACCELERATOR_ALIASES[n.replace(/^nvidia-/, '')];
}

/** Fills Slurm's filename patterns in an `-o`/`-e` path: %j job id, %x job name, %u user, %% a percent sign. */
export function expandLogPattern(pattern: string, job: { id: string; name: string; user: string }): string {
  return pattern.replace(/%(%|j|x|u|J)/g, (_, c: string) =>
    c === '%' ? '%' : c === 'x' ? job.name : c === 'u' ? job.user : job.id,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Splitting directive lines.

/** Splits the text after `#SBATCH` as sbatch does: quotes and backslashes group, an unquoted `#` ends it. */
export function splitDirective(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

