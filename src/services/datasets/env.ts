/**
 * What the parts of the datasets service share: the service context, the blob store, the master key and
 * the data configuration, with the lookups every part needs — a dataset by reference as the actor may see
 * it, a version by number, a dataset's chunk space, an organization's storage use against its quota.
 */
import type { BlobStore } from '../../blobs/types.ts';
import { CheomdanError } from '../../core/errors.ts';
import { asTenantId, type TenantId } from '../../core/ids.ts';
import type { DatasetRecord, DatasetVersionRecord, NewAudit } from '../../store/records.ts';
import type { Actor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import { canSee, notFound } from './access.ts';
import { ChunkSpace, namespaceOf, PendingChunks } from './content.ts';
import { unwrapKey } from './keys.ts';

export interface DataConfig {
  /** An organization's storage when no active allocation grants any (Gwangju: 10 TB). Bytes. */
  defaultQuotaBytes: number;
  /** How long a deleted version's content is kept before garbage collection (default 7 days). */
  retentionMs: number;
  /** Where uploads keep their unfinished tail (CHEOMDAN_HOME/uploads). */
  uploadsDir: string;
  /** An upload nobody has written to for this long is removed (default 7 days; tus Upload-Expires). */
  uploadExpiryMs: number;
  /** Where jobs' dataset views are materialised (CHEOMDAN_HOME/datasets-cache). */
  cacheDir: string;
}

export const DEFAULT_DATA_CONFIG = { defaultQuotaBytes: 10e12, retentionMs: 7 * 86_400_000, uploadExpiryMs: 7 * 86_400_000 } as const;

export class DatasetsEnv {
  /** Blobs written and not yet recorded (garbage collection leaves them alone). */
  readonly pending = new PendingChunks();
  /** Blobs the last garbage collection found without a chunk row (removed if the next finds them so too). */
  orphanCandidates = new Set<string>();

  constructor(readonly ctx: ServiceContext, readonly blobs: BlobStore, readonly masterKey: Buffer, readonly config: DataConfig) {}

  get store() {
    return this.ctx.store;
  }

  /**
   * A dataset by id, by name (the actor's organization's), or `org/name` (another organization's, when
   * shared or public); not_found unless the actor may see it.
   */
  async resolve(actor: Actor, ref: string): Promise<DatasetRecord> {
    const s = this.store.datasets;
    let d = await s.get(ref);
    if (!d) {
      const slash = ref.indexOf('/');
      if (slash > 0) {
        const t = await this.store.tenants.getBySlug(ref.slice(0, slash));
        d = t ? await s.byName(t.id, ref.slice(slash + 1)) : undefined;
      } else if (actor.tenantId !== null) {
        d = await s.byName(asTenantId(actor.tenantId), ref);
      } else {
        // Operators name datasets by id or org/name; a bare name is accepted when only one organization has it.
        const matches = (await s.list(null)).filter((x) => x.name === ref);
        if (matches.length > 1) throw new CheomdanError('conflict', `${matches.length} organizations have a dataset "${ref}"; name it as ORG/${ref} or by id`);
        d = matches[0];
      }
    }
    if (!d || !(await canSee(this.store, actor, d))) throw notFound(ref);
    return d;
  }

  async version(d: DatasetRecord, n: number | null, opts: { committedOnly?: boolean } = {}): Promise<DatasetVersionRecord> {
    if (n === null) {
      const latest = (await this.store.datasets.versions.list(d.id)).find((v) => v.state === 'committed');
      if (!latest) throw new CheomdanError('not_found', `dataset "${d.name}" has no committed version yet; upload files (\`cheomdan datasets upload PATH --dataset ${d.name}\`)`);
      return latest;
    }
    const v = await this.store.datasets.versions.byNumber(d.id, n);
    if (!v) throw new CheomdanError('not_found', `dataset "${d.name}" has no version ${n}`);
    if (v.state === 'deleted') throw new CheomdanError('gone', `version ${n} of "${d.name}" was deleted`);
    if (opts.committedOnly && v.state !== 'committed') throw new CheomdanError('conflict', `version ${n} of "${d.name}" is still open (being written); commit it first`);
    return v;
  }

  /** The dataset's chunk space: its organization's, or its own sealed with its key (restricted). */
  async space(d: DatasetRecord): Promise<ChunkSpace> {
    if (d.sensitivity !== 'restricted') return new ChunkSpace(this.blobs, namespaceOf(d), null, this.pending);
    const wrapped = await this.store.datasets.keys.get(d.id);
    if (wrapped === undefined) throw new CheomdanError('gone', `dataset "${d.name}" was purged: its key is erased and its content can never be read again`);
    return new ChunkSpace(this.blobs, namespaceOf(d), unwrapKey(this.masterKey, wrapped), this.pending);
  }

  /** An organization's storage: stored (after deduplication), reserved by open uploads, and its quota. */
  async storage(tenantId: TenantId): Promise<{ usedBytes: number; reservedBytes: number; quotaBytes: number }> {
    const now = this.ctx.clock();
    const granted = (await this.store.allocations.list({ tenantId }))
      .filter((a) => a.state === 'active' && a.startsAt <= now && now < a.endsAt)
      .reduce((sum, a) => sum + a.storageGb * 1e9, 0);
    return {
      usedBytes: await this.store.datasets.chunks.storedBytes(tenantId),
      reservedBytes: Math.max(0, await this.store.datasets.uploads.reservedBytes(tenantId)),
      quotaBytes: granted > 0 ? granted : this.config.defaultQuotaBytes,
    };
  }

  audit(actor: Actor | null, action: string, subject: string, detail: Record<string, unknown>): Promise<unknown> {
    const entry: NewAudit = { at: this.ctx.clock(), actorUserId: actor?.user.id ?? null, action, subject, detail };
    return this.store.audit.append(entry);
  }
}
