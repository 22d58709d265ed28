/**
 * Store insert throughput: how many job submissions per second the store sustains, where a submission is
 * what the API does — `jobs.insert` + `events.append` in one transaction — and the latency of each.
 *
 *   node --import tsx bench/store-insert.ts [--jobs=20000] [--concurrency=1,32] [--postgres=postgres://…]
 *
 * Deterministic: every submission is the same shape (fixed script, request and environment), ids are a
 * counter. Runs on a fresh SQLite file in a temp dir (WAL, synchronous=NORMAL — the production settings),
 * with and without the prepared-statement cache (connect.ts), and on PostgreSQL when a URL is given (the
 * database must be empty or freshly created: the bench creates its own tenant rows).
 * Concurrency N keeps N submissions in flight, as N concurrent API requests would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asAcceleratorType, asJobId, asPartition, asProjectId, asTenantId, asUserId } from '../src/core/ids.ts';
import { openPostgres, openSqlite } from '../src/store/connect.ts';
import { migrate } from '../src/store/migrate.ts';
import type { StoreDialect } from '../src/store/migrations/types.ts';
import type { NewJob } from '../src/store/records.ts';
import { bindStore, type Store } from '../src/store/store.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../src/store/schema.ts';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const JOBS = Number(arg('jobs', '20000'));
const CONCURRENCY = arg('concurrency', '1,32').split(',').map(Number);
const PG_URL = arg('postgres', '');

const tenantId = asTenantId('ten_bench');
const projectId = asProjectId('prj_bench');
const userId = asUserId('usr_bench');
const SCRIPT = '#!/bin/bash\n#SBATCH --gpus=8\n#SBATCH --time=04:00:00\nsource venv/bin/activate\ntorchrun --nproc-per-node=8 train.py --config configs/llama-8b.yaml\n';

let counter = 0;
function nextJob(): NewJob {
  const n = counter++;
  return {
    id: asJobId(`job_${n.toString(36).padStart(8, '0')}`), tenantId, projectId, userId,
    name: `train-${n}`, partition: asPartition('gpu'), script: SCRIPT, workingDirectory: '/home/alice/llm',
    environment: { WANDB_PROJECT: 'llm', HF_HOME: '/data/hf' },
    request: { tasks: 1, devicesPerTask: 8, acceleratorTypes: [asAcceleratorType('h100')], cpusPerTask: 64, memoryMbPerTask: 512_000, timeLimitSeconds: 14_400 },
    stdoutPath: `/logs/${n}.out`, stderrPath: `/logs/${n}.err`, pendingReason: 'priority', warnings: [],
  };
}

async function submit(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    const job = await tx.jobs.insert(nextJob());
    await tx.events.append({ jobId: job.id, kind: 'state', toState: 'pending', message: 'submitted' });
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(label: string, db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  await migrate(db, dialect, Date.now);
  const store = bindStore(db, dialect, Date.now);
  await store.tenants.create({ id: tenantId, slug: 'bench', name: 'Bench', kind: 'startup', sector: 'other' });
  await store.projects.create({ id: projectId, tenantId, slug: 'bench', name: 'Bench' });
  await store.users.create({ id: userId, email: 'bench@example.org', name: 'Bench', role: 'member', tenantId });
  for (let i = 0; i < 500; i++) await submit(store); // warm-up: JIT, statement cache, page cache

  for (const concurrency of CONCURRENCY) {
    const latencies: number[] = [];
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (issued < JOBS) {
        issued++;
        const s = performance.now();
        await submit(store);
        latencies.push(performance.now() - s);
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(28)} jobs=${JOBS} concurrency=${String(concurrency).padEnd(3)} ` +
        `${Math.round(JOBS / seconds).toString().padStart(6)} submissions/s  ` +
        `p50=${pct(latencies, 50).toFixed(3)} ms  p99=${pct(latencies, 99).toFixed(3)} ms  max=${latencies[latencies.length - 1]?.toFixed(1)} ms`,
    );
  }
  await db.destroy();
}

const dir = mkdtempSync(join(tmpdir(), 'cheomdan-bench-store-'));
try {
  await run('sqlite (statement cache)', openSqlite(join(dir, 'cached.db')), 'sqlite');
  await run('sqlite (no statement cache)', openSqlite(join(dir, 'uncached.db'), false), 'sqlite');
  if (PG_URL) await run('postgres (pool 10)', openPostgres(PG_URL, 10), 'postgres');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
