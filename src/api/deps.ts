/**
 * What the HTTP app is built from: the services (and small views of the platform) the composition root
 * (src/server/start.ts) hands to buildApp. Its own module so that routes and app.ts both depend on it and
 * not on each other (no import cycle, test/layering.test.ts).
 */
import type { FastifyServerOptions } from 'fastify';
import type { z } from 'zod';
import type { Capacity, Node } from '../contract/index.ts';
import type { Actor } from '../services/actor.ts';
import type { Accounting } from '../services/accounting/index.ts';
import type { AuditService } from '../services/audit.ts';
import type { ChangeFeed } from '../services/changes.ts';
import type { IdentityService } from '../services/identity.ts';
import type { JobService } from '../services/jobs.ts';
import type { QuotaService } from '../services/quotas.ts';
import type { ReservationService } from '../services/reservations.ts';
import type { TestbedService } from '../services/testbed.ts';
import type { DatasetService } from '../services/datasets/index.ts';
import type { Metrics } from './metrics.ts';

export interface InventoryView {
  nodes(): z.infer<typeof Node>[];
  capacity(): z.infer<typeof Capacity>;
  setState(actor: Actor, name: string, state: 'up' | 'draining' | 'down', reason: string | undefined): Promise<z.infer<typeof Node>>;
}

export interface HealthInfo {
  store: 'sqlite' | 'postgres';
  executor: string;
  startedAt: number;
  version: string;
  /** services/serverFiles.ts isolationMode(); the composition root fills it. */
  isolation?: { mode: 'per-user' | 'single-user'; description: string } | undefined;
}

export interface AppDeps {
  identity: IdentityService;
  jobs: JobService;
  inventory: InventoryView;
  metrics: Metrics;
  health: () => HealthInfo;
  changes: ChangeFeed;
  audit: AuditService;
  /** Programs and allocations (issue 4); absent: those routes are not served. */
  accounting?: Accounting;
  /** Reservations of nodes; absent: those routes are not served. */
  reservations?: ReservationService;
  /** Quotas and cohorts; absent: those routes are not served. */
  quotas?: QuotaService;
  /** The AI-chip test bed; absent: those routes are not served. */
  testbed?: TestbedService;
  /** Datasets and uploads; absent: those routes are not served. */
  datasets?: DatasetService;
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with this key and certificate (PEM); HSTS is sent. Absent: plain HTTP. */
  tls?: { key: Buffer; cert: Buffer } | undefined;
  /** Requests one token (or, without one, one address) may make to /v1 per minute; operators are not limited. 0: no limit. */
  apiRequestsPerMinute?: number | undefined;
}
