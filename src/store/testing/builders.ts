/**
 * Builders with valid defaults for store tests (and for services' tests that need rows to exist):
 * `await seedTenant(store)` makes a tenant with a project and an owner; `aNewJob(seed).state('running')…`.
 */
import { asAcceleratorType, asJobId, asPartition, asProjectId, asTenantId, asUserId } from '../../core/ids.ts';
import type { JobState } from '../../core/jobState.ts';
import type { ResourceRequest } from '../../core/resources.ts';
import type { NewJob, ProjectRecord, TenantRecord, UserRecord } from '../records.ts';
import type { Store } from '../store.ts';
import { uid } from './conformance.ts';

export interface Seed {
  tenant: TenantRecord;
  project: ProjectRecord;
  user: UserRecord;
}

/** A tenant with one project and one owner, all with unique ids/slugs/emails. */
export async function seedTenant(store: Store): Promise<Seed> {
  const slug = uid('t').replace('_', '-');
  const tenant = await store.tenants.create({ id: asTenantId(uid('ten')), slug, name: `Tenant ${slug}`, kind: 'startup', sector: 'healthcare' });
  const project = await store.projects.create({ id: asProjectId(uid('prj')), tenantId: tenant.id, slug: 'main', name: 'Main' });
  const user = await store.users.create({ id: asUserId(uid('usr')), email: `${slug}@example.org`, name: 'Owner', role: 'owner', tenantId: tenant.id });
  return { tenant, project, user };
}

export const aRequest = (over: Partial<ResourceRequest> = {}): ResourceRequest => ({
  tasks: 1, devicesPerTask: 1, acceleratorTypes: [asAcceleratorType('h100')], cpusPerTask: 4,
  memoryMbPerTask: 16_384, timeLimitSeconds: 3600, ...over,
});

export class NewJobBuilder {
  private job: NewJob;
  constructor(seed: Seed) {
    this.job = {
      id: asJobId(uid('job')), tenantId: seed.tenant.id, projectId: seed.project.id, userId: seed.user.id,
      name: 'train', partition: asPartition('gpu'), script: '#!/bin/sh\necho hi\n', workingDirectory: '/work',
      request: aRequest(), stdoutPath: '/logs/out', stderrPath: '/logs/err',
    };
  }
  id(id: string): this { this.job.id = asJobId(id); return this; }
  state(s: JobState): this { this.job.state = s; return this; }
  submittedAt(ms: number): this { this.job.submittedAt = ms; return this; }
  with(over: Partial<NewJob>): this { this.job = { ...this.job, ...over }; return this; }
  build(): NewJob { return { ...this.job }; }
}
export const aNewJob = (seed: Seed): NewJobBuilder => new NewJobBuilder(seed);
