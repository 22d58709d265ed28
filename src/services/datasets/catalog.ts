/**
 * Datasets as resources: create, list, show, change, share and grant, delete, purge — and their views in
 * the contract's shape. Versions and content are versions.ts's; uploads are uploads.ts's.
 */
import type { z } from 'zod';
import type { Dataset, DatasetCreate, DatasetDetail, DatasetUpdate, DatasetVersion, StorageUsage } from '../../contract/datasets.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asProjectId, asTenantId, asUserId, type ProjectId, type TenantId } from '../../core/ids.ts';
import type { DatasetRecord, DatasetVersionRecord } from '../../store/records.ts';
import type { Actor } from '../actor.ts';
import { canAdminister, canRead, canWrite, mustAdminister } from './access.ts';
import { formatBytes } from '../../core/datasets.ts';
import type { DatasetsEnv } from './env.ts';
import { newDatasetKey, wrapKey } from './keys.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class DatasetCatalog {
  constructor(private readonly env: DatasetsEnv) {}

  async create(actor: Actor, input: DatasetCreate): Promise<z.infer<typeof DatasetDetail>> {
    const { store } = this.env;
    let tenantId: TenantId;
    if (actor.isOperator) {
      if (input.organization === undefined) throw new CheomdanError('validation_failed', 'operators create a dataset for an organization: give "organization" (slug or id)', { errors: [{ path: 'organization', message: 'required for operators' }] });
      const t = (await store.tenants.getBySlug(input.organization)) ?? (await store.tenants.get(asTenantId(input.organization)));
      if (!t) throw new CheomdanError('not_found', `no organization "${input.organization}"`);
      tenantId = t.id;
    } else {
      if (input.organization !== undefined) throw new CheomdanError('validation_failed', 'a dataset is created in your own organization; leave out "organization"', { errors: [{ path: 'organization', message: 'operators only' }] });
      tenantId = asTenantId(actor.tenantId!);
    }
    if (input.sensitivity === 'restricted' && input.visibility === 'public') {
      throw new CheomdanError('validation_failed', 'a restricted dataset can never be public; choose visibility "organization" or "shared"', { errors: [{ path: 'visibility', message: 'restricted datasets cannot be public' }] });
    }
    let projectId: ProjectId | null = null;
    if (input.project !== undefined) {
      const p = (await store.projects.getBySlug(tenantId, input.project)) ?? (await store.projects.get(asProjectId(input.project)));
      if (!p || p.tenantId !== tenantId) throw new CheomdanError('not_found', `no project "${input.project}" in the organization`);
      projectId = p.id;
    }
    const now = this.env.ctx.clock();
    const record: DatasetRecord = {
      id: this.env.ctx.ids('ds'), tenantId, projectId, name: input.name, description: input.description, domain: input.domain,
      licence: input.licence, sensitivity: input.sensitivity, visibility: input.visibility, createdBy: actor.user.id, createdAt: now, deletedAt: null,
    };
    await store.transaction(async (tx) => {
      if (await tx.datasets.byName(tenantId, input.name)) throw new CheomdanError('conflict', `the organization already has a dataset "${input.name}"; pick another name or add a version to it`);
      await tx.datasets.create(record);
      if (record.sensitivity === 'restricted') {
        await tx.datasets.keys.put(record.id, wrapKey(this.env.masterKey, newDatasetKey()), now);
        // Its creator is the first member granted access (and can grant others).
        if (!actor.isOperator) await tx.datasets.access.add({ datasetId: record.id, kind: 'user', subjectId: actor.user.id, createdBy: actor.user.id, createdAt: now });
      }
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'dataset.create', subject: record.id, detail: { name: record.name, tenantId, sensitivity: record.sensitivity, visibility: record.visibility } });
    });
    return this.detail(actor, record);
  }

  async list(actor: Actor): Promise<Dataset[]> {
    const all = await this.env.store.datasets.list(actor.isOperator ? null : asTenantId(actor.tenantId!));
    return Promise.all(all.map((d) => this.view(actor, d)));
  }

  async show(actor: Actor, ref: string): Promise<z.infer<typeof DatasetDetail>> {
    return this.detail(actor, await this.env.resolve(actor, ref));
  }

  async update(actor: Actor, ref: string, patch: z.infer<typeof DatasetUpdate>): Promise<z.infer<typeof DatasetDetail>> {
    const d = await this.env.resolve(actor, ref);
    await mustAdminister(this.env.store, actor, d, ref);
    if (patch.visibility === 'public' && d.sensitivity === 'restricted') {
      throw new CheomdanError('validation_failed', `"${d.name}" is restricted: it can never be made public`, { errors: [{ path: 'visibility', message: 'restricted datasets cannot be public' }] });
    }
    await this.env.store.transaction(async (tx) => {
      await tx.datasets.update(d.id, patch);
      await tx.audit.append({ at: this.env.ctx.clock(), actorUserId: actor.user.id, action: 'dataset.update', subject: d.id, detail: { ...patch } });
    });
    return this.show(actor, d.id);
  }

  /** Shares read-only with an organization, or grants a user read access (restricted); `revoke` undoes either. */
  async share(actor: Actor, ref: string, s: { organization?: string | undefined; user?: string | undefined; revoke: boolean }): Promise<z.infer<typeof DatasetDetail>> {
    const { store } = this.env;
    const d = await this.env.resolve(actor, ref);
    await mustAdminister(store, actor, d, ref);
    const now = this.env.ctx.clock();
    let kind: 'tenant' | 'user';
    let subjectId: string;
    if (s.organization !== undefined) {
      const t = (await store.tenants.getBySlug(s.organization)) ?? (await store.tenants.get(asTenantId(s.organization)));
      if (!t) throw new CheomdanError('not_found', `no organization "${s.organization}"`);
      if (t.id === d.tenantId) throw new CheomdanError('validation_failed', `"${d.name}" already belongs to ${t.slug}`, { errors: [{ path: 'organization', message: 'the owning organization' }] });
      kind = 'tenant';
      subjectId = t.id;
    } else {
      const u = (await store.users.getByEmail(s.user!)) ?? (await store.users.get(asUserId(s.user!)));
      if (!u) throw new CheomdanError('not_found', `no user "${s.user}"`);
      if (d.sensitivity !== 'restricted') throw new CheomdanError('validation_failed', `"${d.name}" is ${d.sensitivity}: every member of its organization reads it; grants are for restricted datasets`, { errors: [{ path: 'user', message: 'only restricted datasets take grants' }] });
      if (u.tenantId !== d.tenantId) throw new CheomdanError('validation_failed', `${u.email} is not a member of the dataset's organization; a restricted dataset is read only by its own members`, { errors: [{ path: 'user', message: 'not a member of the organization' }] });
      kind = 'user';
      subjectId = u.id;
    }
    await store.transaction(async (tx) => {
      if (s.revoke) await tx.datasets.access.remove(d.id, kind, subjectId);
      else {
        await tx.datasets.access.add({ datasetId: d.id, kind, subjectId, createdBy: actor.user.id, createdAt: now });
        if (kind === 'tenant' && d.visibility === 'organization') await tx.datasets.update(d.id, { visibility: 'shared' });
      }
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: s.revoke ? 'dataset.unshare' : 'dataset.share', subject: d.id, detail: { kind, subjectId } });
    });
    return this.show(actor, d.id);
  }

  /** Deletes a dataset: every version soft-deleted (content kept for the retention window, then collected). */
  async remove(actor: Actor, ref: string): Promise<void> {
    const d = await this.env.resolve(actor, ref);
    await mustAdminister(this.env.store, actor, d, ref);
    const now = this.env.ctx.clock();
    await this.env.store.transaction(async (tx) => {
      for (const v of await tx.datasets.versions.list(d.id)) await tx.datasets.versions.markDeleted(v.id, now);
      await tx.datasets.delete(d.id, now);
      await tx.audit.append({ at: now, actorUserId: actor.user.id, action: 'dataset.delete', subject: d.id, detail: { name: d.name } });
    });
  }

  async storage(actor: Actor, org?: string): Promise<z.infer<typeof StorageUsage>> {
    const { store } = this.env;
    let tenantId: TenantId;
    if (org !== undefined && (actor.isOperator || org === actor.tenantId)) {
      const t = (await store.tenants.getBySlug(org)) ?? (await store.tenants.get(asTenantId(org)));
      if (!t) throw new CheomdanError('not_found', `no organization "${org}"`);
      tenantId = t.id;
    } else if (actor.tenantId !== null) {
      const t = org === undefined ? undefined : await store.tenants.getBySlug(org);
      if (org !== undefined && t?.id !== actor.tenantId) throw new CheomdanError('not_found', `no organization "${org}"`);
      tenantId = asTenantId(actor.tenantId);
    } else {
      throw new CheomdanError('validation_failed', 'operators name the organization: ?organization=SLUG', { errors: [{ path: 'organization', message: 'required for operators' }] });
    }
    const t = await store.tenants.get(tenantId);
    return { organization: { id: tenantId, slug: t?.slug ?? tenantId }, ...(await this.env.storage(tenantId)) };
  }

  async view(actor: Actor, d: DatasetRecord, versions?: DatasetVersionRecord[]): Promise<Dataset> {
    const { store } = this.env;
    const vs = versions ?? (await store.datasets.versions.list(d.id));
    const latest = vs.find((v) => v.state === 'committed');
    const t = await store.tenants.get(d.tenantId);
    const project = d.projectId === null ? null : ((await store.projects.get(d.projectId))?.slug ?? d.projectId);
    return {
      id: d.id, name: d.name, organization: { id: d.tenantId, slug: t?.slug ?? d.tenantId }, project, description: d.description, domain: d.domain,
      licence: d.licence, sensitivity: d.sensitivity, visibility: d.visibility, latestVersion: latest?.number ?? null,
      fileCount: latest?.fileCount ?? 0, totalBytes: latest?.totalBytes ?? 0, createdAt: new Date(d.createdAt).toISOString(),
      access: { read: await canRead(store, actor, d), write: await canWrite(store, actor, d) },
    };
  }

  async detail(actor: Actor, d: DatasetRecord): Promise<z.infer<typeof DatasetDetail>> {
    const { store } = this.env;
    const vs = await store.datasets.versions.list(d.id);
    const byId = new Map(vs.map((v) => [v.id, v.number]));
    const sharedWith = [];
    // Who else reads it is the administrators' business (and the members' own grant is shown to them).
    for (const a of await store.datasets.access.list(d.id)) {
      if (!canAdminister(actor, d) && !(a.kind === 'user' && a.subjectId === actor.user.id)) continue;
      if (a.kind === 'tenant') {
        const t = await store.tenants.get(asTenantId(a.subjectId));
        sharedWith.push({ kind: 'organization' as const, id: a.subjectId, name: t?.slug ?? a.subjectId, createdAt: new Date(a.createdAt).toISOString() });
      } else {
        const u = await store.users.get(asUserId(a.subjectId));
        sharedWith.push({ kind: 'user' as const, id: a.subjectId, name: u?.email ?? a.subjectId, createdAt: new Date(a.createdAt).toISOString() });
      }
    }
    const own = actor.isOperator || actor.tenantId === d.tenantId;
    const st = own ? await this.env.storage(d.tenantId) : { usedBytes: 0, quotaBytes: 0 };
    return {
      ...(await this.view(actor, d, vs)),
      versions: vs.map((v) => versionView(v, byId, this.env.config.retentionMs)),
      sharedWith,
      storage: { usedBytes: st.usedBytes, quotaBytes: st.quotaBytes },
    };
  }
}

export function versionView(v: DatasetVersionRecord, numbers: Map<string, number>, retentionMs: number): DatasetVersion {
  return {
    number: v.number, state: v.state, parent: v.parentId === null ? null : (numbers.get(v.parentId) ?? null), message: v.message, fileCount: v.fileCount,
    totalBytes: v.totalBytes, newBytes: v.newBytes, sourceJob: v.sourceJobId, createdBy: v.createdBy, createdAt: new Date(v.createdAt).toISOString(),
    committedAt: iso(v.committedAt), deletedAt: iso(v.deletedAt), purgeAfter: v.deletedAt === null ? null : iso(v.deletedAt + retentionMs),
  };
}

export function quotaMessage(name: string, need: number, s: { usedBytes: number; reservedBytes: number; quotaBytes: number }): string {
  const left = Math.max(0, s.quotaBytes - s.usedBytes - s.reservedBytes);
  return `${name} needs ${formatBytes(need)} but the organization has ${formatBytes(left)} of storage left (${formatBytes(s.usedBytes)} used${s.reservedBytes > 0 ? `, ${formatBytes(s.reservedBytes)} reserved by unfinished uploads` : ''}, quota ${formatBytes(s.quotaBytes)}); delete versions you no longer need or ask for an allocation with more storage`;
}
