/** Store records → contract resources. The only place where the API's shape is produced. */
import type { z } from 'zod';
import type { ApiToken, Job, JobEvent, Project, Tenant, User } from '../contract/index.ts';
import type { JobEventRecord, JobRecord, ProjectRecord, TenantRecord, ApiTokenRecord, UserRecord } from '../store/records.ts';

export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

export const presentTenant = (t: TenantRecord): Tenant => ({
  id: t.id, slug: t.slug, name: t.name, kind: t.kind, sector: t.sector, createdAt: iso(t.createdAt),
});

export const presentUser = (u: UserRecord): User => ({
  id: u.id, email: u.email, name: u.name, role: u.role, tenant: u.tenantId, createdAt: iso(u.createdAt), disabledAt: isoOrNull(u.disabledAt),
});

export const presentProject = (p: ProjectRecord): Project => ({
  id: p.id, tenant: p.tenantId, slug: p.slug, name: p.name, description: p.description, createdAt: iso(p.createdAt),
});

export const presentToken = (t: ApiTokenRecord): z.infer<typeof ApiToken> => ({
  id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.createdAt),
  lastUsedAt: isoOrNull(t.lastUsedAt), expiresAt: isoOrNull(t.expiresAt), scopes: [...t.scopes],
});

export const presentJob = (j: JobRecord): Job => ({
  id: j.id,
  name: j.name,
  tenant: j.tenantId,
  project: j.projectId,
  user: j.userId,
  partition: j.partition,
  state: j.state,
  request: {
    tasks: j.request.tasks,
    devicesPerTask: j.request.devicesPerTask,
    acceleratorTypes: [...j.request.acceleratorTypes],
    cpusPerTask: j.request.cpusPerTask,
    memoryMbPerTask: j.request.memoryMbPerTask,
    nodes: j.request.nodes ?? null,
    tasksPerNode: j.request.tasksPerNode ?? null,
    timeLimitSeconds: j.request.timeLimitSeconds,
  },
  priority: j.priority,
  submittedAt: iso(j.submittedAt),
  startedAt: isoOrNull(j.startedAt),
  endedAt: isoOrNull(j.endedAt),
  exitCode: j.exitCode,
  signal: j.signal,
  pendingReason: (j.pendingReason ?? null) as Job['pendingReason'],
  pendingMessage: j.pendingMessage,
  estimatedStart: isoOrNull(j.estimatedStart),
  placement: j.placement ? j.placement.map((p) => ({ ...p, devices: [...p.devices] })) : null,
  acceleratorType: j.acceleratorType,
  attempt: j.attempt,
  allocation: j.allocationId,
  reservation: j.reservationId,
  failureReason: j.failureReason,
  warnings: j.warnings,
  workingDirectory: j.workingDirectory,
  script: j.script,
});

export const presentEvent = (e: JobEventRecord): z.infer<typeof JobEvent> => ({
  id: e.id, at: iso(e.at), kind: e.kind, fromState: e.fromState, toState: e.toState, message: e.message,
});
