/**
 * Who may do what with a dataset — decided here only (the habit of services/actor.ts):
 * - see it (its metadata, versions, file list): operators; members of the owning organization; everyone
 *   when it is public; members of organizations it is shared with;
 * - read its content: whoever sees it — except a restricted dataset, whose content only users with an
 *   explicit grant read (operators included: seeing is not reading patient data);
 * - write versions: members of the owning organization and operators (restricted: with a grant);
 * - administer it (share, grant, visibility, delete, purge): the organization's owners, its creator, operators.
 * A dataset the actor may not see looks exactly like a missing one.
 */
import { CheomdanError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import type { DatasetRecord } from '../../store/records.ts';
import type { Actor } from '../actor.ts';

export async function canSee(store: Store, actor: Actor, d: DatasetRecord): Promise<boolean> {
  if (actor.isOperator || actor.tenantId === d.tenantId || d.visibility === 'public') return true;
  return actor.tenantId !== null && d.visibility === 'shared' && (await store.datasets.access.has(d.id, 'tenant', actor.tenantId));
}

export async function canRead(store: Store, actor: Actor, d: DatasetRecord): Promise<boolean> {
  if (!(await canSee(store, actor, d))) return false;
  return d.sensitivity !== 'restricted' || (await store.datasets.access.has(d.id, 'user', actor.user.id));
}

export async function canWrite(store: Store, actor: Actor, d: DatasetRecord): Promise<boolean> {
  if (!actor.isOperator && actor.tenantId !== d.tenantId) return false;
  return d.sensitivity !== 'restricted' || (await store.datasets.access.has(d.id, 'user', actor.user.id));
}

export function canAdminister(actor: Actor, d: DatasetRecord): boolean {
  return actor.isOperator || (actor.tenantId === d.tenantId && (actor.user.role === 'owner' || actor.user.id === d.createdBy));
}

export const notFound = (ref: string): CheomdanError => new CheomdanError('not_found', `no dataset "${ref}"; \`cheomdan datasets list\` shows those you can see`);

export async function mustRead(store: Store, actor: Actor, d: DatasetRecord, ref: string): Promise<void> {
  if (!(await canSee(store, actor, d))) throw notFound(ref);
  if (!(await canRead(store, actor, d))) {
    throw new CheomdanError('forbidden', `dataset "${d.name}" is restricted: only members granted access read its content; ask its owner (\`cheomdan datasets share ${d.name} --user YOUR-EMAIL\`)`);
  }
}

export async function mustWrite(store: Store, actor: Actor, d: DatasetRecord, ref: string): Promise<void> {
  if (!(await canSee(store, actor, d))) throw notFound(ref);
  if (!(await canWrite(store, actor, d))) {
    throw new CheomdanError('forbidden', d.sensitivity === 'restricted' && (actor.isOperator || actor.tenantId === d.tenantId)
      ? `dataset "${d.name}" is restricted: only members granted access write versions; ask its owner for a grant`
      : `dataset "${d.name}" belongs to another organization: it is read-only for you`);
  }
}

export async function mustAdminister(store: Store, actor: Actor, d: DatasetRecord, ref: string): Promise<void> {
  if (!(await canSee(store, actor, d))) throw notFound(ref);
  if (!canAdminister(actor, d)) throw new CheomdanError('forbidden', `only the owners of the organization, the dataset's creator and operators may change who reads "${d.name}" or delete it`);
}
