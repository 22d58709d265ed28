/**
 * startServer(): the embedded platform in one process — store, inventory, executor, controller, API.
 *
 * Defaults: http://127.0.0.1:7080, data under ./.cheomdan (SQLite in WAL mode, job logs, run state),
 * this host's CPUs/GPUs as the inventory, the local executor, the fifo-backfill policy.
 * DATABASE_URL=postgres://… switches the store; --inventory FILE declares nodes instead of probing;
 * CHEOMDAN_EXECUTOR=slurm runs jobs on Slurm (docs/slurm.md).
 *
 * First start: creates the operator and writes its API token to $CHEOMDAN_HOME/admin-token (mode 0600).
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { CheomdanError } from '../core/errors.ts';
import { asJobId, asUserId } from '../core/ids.ts';
import { isTerminal, type JobState } from '../core/jobState.ts';
import type { InventoryNode } from '../core/inventory.ts';
import type { Inventory } from '../core/inventoryFile.ts';
import { Controller } from '../controller/controller.ts';
import { createExecutor } from '../controller/executorFactory.ts';
import { createScheduler } from '../controller/schedulerAdapter.ts';
import type { PolicyConfig } from '../scheduler/policy.ts';
import { openStore } from '../store/index.ts';
import type { ServiceContext } from '../services/context.ts';
import { IdentityService } from '../services/identity.ts';
import { DEFAULT_LOGIN_GUARD, type LoginGuardPolicy } from '../services/loginGuard.ts';
import { loadInventoryFile, probeHost } from '../services/inventory.ts';
import { JobService } from '../services/jobs.ts';
import { DEFAULT_JOB_RETENTION_DAYS, JobRetention } from '../services/jobRetention.ts';
import { DEFAULT_SUBMIT_LIMITS, SubmitGuard, type SubmitLimits } from '../services/submitLimits.ts';
import { NodeService } from '../services/nodes.ts';
import { ChangeFeed } from '../services/changes.ts';
import { AuditService } from '../services/audit.ts';
import { createAccounting, parseAccountingMode, type AccountingMode } from '../services/accounting/index.ts';
import { ReservationService } from '../services/reservations.ts';
import { QuotaService } from '../services/quotas.ts';
import { TestbedService } from '../services/testbed.ts';
import { DatasetService, type DataConfig } from '../services/datasets/index.ts';
import { FsBlobStore } from '../blobs/fs.ts';
import type { BlobConfig } from './blobConfig.ts';
import { S3BlobStore } from '../blobs/s3.ts';
import { checkSingleOrganization, isolationMode, protectServerFiles } from '../services/serverFiles.ts';
import { UnixAccounts, type UnixAccountsConfig } from '../services/unixAccounts.ts';
import type { JobRecord } from '../store/records.ts';
import { API_VERSION, buildApp, type App } from '../api/app.ts';
import { createMetrics } from '../api/metrics.ts';

export interface ServerOptions {
  host: string;
  port: number;
  home: string;
  databaseUrl?: string | undefined;
  inventoryPath?: string | undefined;
  executor?: string | undefined;
  /** Scheduling policy: a name, or a whole config (scheduler/policy.ts); default fifo-backfill. */
  policy?: string | PolicyConfig | undefined;
  /** Log requests (pino, JSON lines) to stdout. Default: errors only. */
  logLevel?: string | undefined;
  /** How often a cluster inventory (Slurm) is read again, ms (default 10 s). */
  inventoryRefreshMs?: number | undefined;
  /** Controller observation period, ms. */
  tickMs?: number | undefined;
  /** Login back-off and lockout (services/loginGuard.ts); default 5 failures per account in 15 min lock it for 15 min. */
  loginGuard?: Partial<LoginGuardPolicy> | undefined;
  /** Serve HTTPS: PEM files of the certificate (chain) and its key (both or neither). */
  tlsCertPath?: string | undefined;
  tlsKeyPath?: string | undefined;
  /** Accounting: 'enforce' charges every job to an allocation; 'off' (default) charges nothing (docs/accounting.md). */
  accounting?: AccountingMode | undefined;
  /**
   * Run jobs as the server's own account even when it is root ("single-user mode"); default: as their
   * owners' Unix accounts when root (services/unixAccounts.ts), as the server when not.
   */
  singleUser?: boolean | undefined;
  /** Owners' Unix accounts: a mapping to existing accounts, the uid range and home of created ones. */
  unixAccounts?: UnixAccountsConfig | undefined;
  /** Single-user mode serves one organization's members; true accepts several (they can read each other's files). */
  allowSeveralOrganizations?: boolean | undefined;
  /** Datasets: quota default, retention, upload expiry (services/datasets/env.ts). */
  data?: Partial<DataConfig> | undefined;
  /** Requests a token may make to /v1 per minute (default 12,000; operators unlimited; 0 turns the limit off). */
  apiRequestsPerMinute?: number | undefined;
  /** Days a finished job's directory (its logs) is kept; 0 keeps them for ever (default 30). */
  jobRetentionDays?: number | undefined;
  /** Caps on queued jobs per user and organization and on submissions per minute (services/submitLimits.ts). */
  submitLimits?: Partial<SubmitLimits> | undefined;
  /** What storage charges count: the bytes datasets store ('stored', default) or allocations' grants ('granted'). */
  storageBasis?: 'stored' | 'granted' | undefined;
  /** Where dataset content is stored (blobs/open.ts); default the filesystem under CHEOMDAN_HOME/blobs. */
  blobs?: BlobConfig | undefined;
}

export interface RunningServer {
  url: string;
  app: App;
  firstStart: { email: string; password: string; tokenPath: string } | null;
  close(): Promise<void>;
}

const newId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${randomBytes(6).toString('base64url')}`;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const tls = await readTls(opts);
  const home = resolve(opts.home);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const log = pino({ level: opts.logLevel ?? process.env.CHEOMDAN_LOG_LEVEL ?? 'warn' });
  // umask 077 and CHEOMDAN_HOME's files the server's alone, before the database is opened or a token written
  const tightened = await protectServerFiles(home);
  if (tightened.length > 0) log.warn({ paths: tightened.slice(0, 20), count: tightened.length }, 'tightened the permissions of the server\'s files');
  const store = await openStore({ url: opts.databaseUrl, sqlitePath: join(home, 'cheomdan.db') });
  // What has been started, stopped in reverse order by close() and when the start fails part-way (so no
  // controller tick or accounting sweep outlives the store).
  const started: { what: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log.error({ err }, `stopping ${s.what} failed`);
      }
    }
  };
  try {
    const { executor, inventory: clusterInventory } = await createExecutor(opts.executor ?? process.env.CHEOMDAN_EXECUTOR ?? 'local', { home });
    started.push({ what: 'the executor', stop: () => executor.close() });
    // Where the nodes come from: an inventory file when given; else the cluster's own view (Slurm); else
    // this host, probed.
    const inventory: Inventory = opts.inventoryPath
      ? await loadInventoryFile(opts.inventoryPath)
      : clusterInventory
        ? inventoryOf('Slurm cluster', await clusterInventory())
        : await hostInventory();
    const uid = process.getuid?.() ?? 0;
    const asOwners = uid === 0 && !(opts.singleUser ?? process.env.CHEOMDAN_SINGLE_USER === '1');
    const isolation = isolationMode(uid, 'tracking' in executor ? String(executor.tracking) : 'by Slurm', asOwners);
    log.warn({ isolation: isolation.mode }, isolation.description);
    await checkSingleOrganization(store, isolation.mode, opts.allowSeveralOrganizations ?? process.env.CHEOMDAN_ALLOW_SEVERAL_ORGANIZATIONS === '1');
    const unixAccounts = asOwners ? new UnixAccounts({ store }, opts.unixAccounts) : undefined;
    const defaultPartition = inventory.partitions.find((p) => p.default)?.name ?? inventory.partitions[0]?.name ?? 'local';
    const storedNodes = await store.nodes.list();
    await store.nodes.upsertMany(inventory.nodes);

    const ctx: ServiceContext = {
      store, clock: Date.now, ids: newId, log,
      config: { home, defaultPartition, logsDir: join(home, 'jobs'), defaultTimeLimitSeconds: 3600 },
    };
    const scheduler = createScheduler(opts.policy ?? process.env.CHEOMDAN_POLICY ?? 'fifo-backfill');
    const metrics = createMetrics();
    const changes = new ChangeFeed();
    const identity = new IdentityService(ctx, opts.loginGuard ? { ...DEFAULT_LOGIN_GUARD, ...opts.loginGuard } : undefined);
    let nodesNow: () => readonly InventoryNode[] = () => inventory.nodes;
    const devicesByType = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const n of nodesNow()) for (const d of n.devices) out[d.type] = (out[d.type] ?? 0) + 1;
      return out;
    };
    const accounting = createAccounting(ctx, identity, {
      mode: opts.accounting ?? parseAccountingMode(process.env.CHEOMDAN_ACCOUNTING),
      devicesByType,
      storageBasis: opts.storageBasis,
    });
    let nodeNames: () => readonly string[] = () => inventory.nodes.map((n) => n.name);
    let replan = () => {};
    let running: () => readonly JobRecord[] = () => [];
    const reservations = new ReservationService(ctx, identity, () => nodeNames(), () => replan(), () => running());
    const quotas = new QuotaService(ctx, identity, {
      devicesByType,
      runningJobs: () => running(),
      implied: (now) => accounting.enforcement.snapshotInputs(now).quotas ?? [],
      onChange: () => replan(),
    });
    const blobConfig = opts.blobs ?? { kind: 'fs', root: join(home, 'blobs') };
    const blobs = blobConfig.kind === 's3' ? new S3BlobStore(blobConfig) : new FsBlobStore(blobConfig.root);
    if (blobs instanceof S3BlobStore) started.push({ what: 'the S3 client', stop: () => blobs.close() });
    const datasets = await DatasetService.open(ctx, blobs, opts.data,
      unixAccounts ? (userId) => unixAccounts.ownerForUserId(asUserId(userId)) : undefined);
    const retention = new JobRetention(ctx, opts.jobRetentionDays ?? DEFAULT_JOB_RETENTION_DAYS);
    const saveOutput = (jobId: string) => {
      datasets.outputs.save(asJobId(jobId)).catch((err) => log.warn({ err, jobId }, 'saving a job\'s output failed; it is tried again at the next start'));
    };
    const controller = new Controller({
      accounting: accounting.enforcement,
      reservations: () => reservations.snapshots(),
      quotas: (now) => ({ quotas: quotas.snapshots(now) }),
      store, executor, scheduler, nodes: [...inventory.nodes], defaultPartition, clock: Date.now, log,
      intervalMs: opts.tickMs,
      onJobChange: (c) => {
        changes.publish(c);
        if (isTerminal(c.state as JobState)) saveOutput(c.jobId);
      },
      ...(unixAccounts ? { ownerOf: (job: JobRecord) => unixAccounts.ownerForUserId(job.userId) } : {}),
      prepare: (job, owner) => datasets.prepare(job, owner),
      onCycle: (c) => {
        metrics.cycleSeconds.observe(c.durationMs / 1000);
        metrics.jobsStarted.inc(c.started);
        metrics.pendingJobs.set(c.pending);
        metrics.runningJobs.set(c.running);
      },
    });
    const nodeService = new NodeService(ctx, controller, inventory.capacityPrecision);
    await nodeService.adoptOverrides(storedNodes, inventory.nodes);
    nodesNow = () => controller.nodeList();
    nodeNames = () => controller.nodeList().map((n) => n.name);
    replan = () => controller.wake();
    running = () => controller.runningJobs();
    const partitions = { names: inventory.partitions.map((p) => p.name), default: defaultPartition };
    const jobs = new JobService(ctx, identity, {
      wake: (job) => controller.wake(job),
      forget: (id) => controller.forget(id),
      cancel: (job) => controller.cancel(job),
      logs: (job, o) => controller.logs(job, o),
      nodes: () => controller.nodeList(),
      feasibility: (r, p) => controller.feasibility(r, p),
      partitions: () => partitions,
    }, changes, accounting.enforcement, reservations, datasets, new SubmitGuard(store, Date.now, { ...DEFAULT_SUBMIT_LIMITS, ...opts.submitLimits }), retention);
    const testbed = new TestbedService(ctx, identity, jobs, { nodes: () => controller.nodeList(), defaultPartition: () => defaultPartition }, changes);

    // Garbage collection once an hour (expired uploads, versions past retention, unreferenced chunks).
    const gc = setInterval(() => {
      datasets.gc().catch((err) => log.warn({ err }, 'dataset garbage collection failed; will try again'));
      retention.sweep().catch((err) => log.warn({ err }, 'removing old run directories failed; will try again'));
    }, 3_600_000);
    gc.unref();
    started.push({ what: 'dataset garbage collection', stop: () => clearInterval(gc) });
    // What each organization stores, sampled each minute where it changed: storage is charged on it.
    const sampler = setInterval(() => { datasets.sampleStorage().catch((err) => log.warn({ err }, 'sampling storage failed; will try again')); }, 60_000);
    sampler.unref();
    started.push({ what: 'storage sampling', stop: () => clearInterval(sampler) });
    await datasets.sampleStorage();
    // Outputs of jobs that finished while the server was down, or whose save a restart cut short.
    datasets.outputs.sweep().catch((err) => log.warn({ err }, 'saving jobs\' outputs after the restart failed; tried again at the next start'));

    const boot = await identity.bootstrap();
    let firstStart: RunningServer['firstStart'] = null;
    if (boot) {
      const tokenPath = join(home, 'admin-token');
      await writeFile(tokenPath, boot.token + '\n', { mode: 0o600 });
      await chmod(tokenPath, 0o600);
      firstStart = { email: boot.email, password: boot.password, tokenPath };
    }

    await accounting.start();
    started.push({
      what: 'accounting',
      stop: async () => {
        accounting.stop();
        await accounting.enforcement.settled(); // a cache refresh in flight still reads the store
      },
    });
    started.push({ what: 'the controller', stop: () => controller.stop() });
    await reservations.load();
    await quotas.load();
    await controller.start();
    // Runs whose jobs ended while the server was down are read back now.
    await testbed.collect();
    // A cluster that knows its nodes (Slurm) is read again periodically, so nodes going down, draining or
    // resuming there reach the scheduler; states an operator set here are laid over it again.
    let refreshing = false;
    const refresh = !opts.inventoryPath && clusterInventory
      ? setInterval(() => {
          if (refreshing) return;
          refreshing = true;
          clusterInventory()
            .then((nodes) => {
              controller.setNodes(nodes);
              nodeService.applyOverrides();
            })
            .catch((err) => log.warn({ err }, 'reading the cluster inventory failed; keeping the last one'))
            .finally(() => { refreshing = false; });
        }, opts.inventoryRefreshMs ?? 10_000)
      : undefined;
    refresh?.unref();
    if (refresh) started.push({ what: 'the inventory refresh', stop: () => clearInterval(refresh) });
    const startedAt = Date.now();
    const app = await buildApp({
      identity, jobs, metrics, changes, accounting, reservations, quotas, testbed, datasets, audit: new AuditService(ctx),
      inventory: { nodes: () => nodeService.nodes(), capacity: () => nodeService.capacity(), setState: (a, n, s, r) => nodeService.setState(a, n, s, r) },
      health: () => ({ store: store.dialect, executor: executor.name, startedAt, version: API_VERSION, isolation }),
      logger: log.level === 'silent' ? false : { level: log.level },
      tls,
      apiRequestsPerMinute: opts.apiRequestsPerMinute,
    });
    started.push({ what: 'the HTTP server', stop: () => app.close() });
    let address: string;
    try {
      address = await app.listen({ host: opts.host, port: opts.port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new CheomdanError('invalid_config', `port ${opts.port} on ${opts.host} is in use; stop the other server or pick another port with --port or PORT`, { cause: e });
      }
      throw e;
    }
    return {
      url: address.replace('[::1]', 'localhost'),
      app,
      firstStart,
      async close() {
        await stopAll();
        await store.close();
      },
    };
  } catch (e) {
    await stopAll();
    await store.close();
    throw e;
  }
}

/** The TLS key and certificate, read before anything starts: a missing or unreadable file fails at once. */
async function readTls(opts: ServerOptions): Promise<{ key: Buffer; cert: Buffer } | undefined> {
  if (!opts.tlsCertPath && !opts.tlsKeyPath) return undefined;
  if (!opts.tlsCertPath || !opts.tlsKeyPath) {
    throw new CheomdanError('invalid_config', `give both --tls-cert and --tls-key (got only ${opts.tlsCertPath ? '--tls-cert' : '--tls-key'})`);
  }
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (e) {
      throw new CheomdanError('invalid_config', `cannot read the TLS ${what} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return { cert: await read(opts.tlsCertPath, 'certificate'), key: await read(opts.tlsKeyPath, 'key') };
}

/** An inventory from a cluster's node list: partitions in the order nodes name them, the first the default. */
function inventoryOf(name: string, nodes: InventoryNode[]): Inventory {
  const partitions = [...new Set(nodes.map((n) => n.partition as string))].map((p, i) => ({ name: p, default: i === 0 }));
  return { name, capacityPrecision: { gpu: 'bf16', npu: 'bf16' }, partitions, nodes };
}

async function hostInventory(): Promise<Inventory> {
  const node: InventoryNode = await probeHost({ partition: 'local' });
  return { name: 'this host', capacityPrecision: { gpu: 'bf16', npu: 'bf16' }, partitions: [{ name: 'local', default: true }], nodes: [node] };
}
