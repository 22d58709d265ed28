/**
 * Who is asking. Every service call that reads or changes tenant data takes an Actor and checks it here,
 * so tenant isolation is decided in one place: an operator sees everything; a tenant user sees only their
 * own tenant's resources, and another tenant's resources look exactly like missing ones (404, not 403),
 * so their existence does not leak.
 */
import { CheomdanError } from '../core/errors.ts';
import type { UserRecord } from '../store/records.ts';

import type { Scope } from '../core/scopes.ts';

export interface Actor {
  user: UserRecord;
  /** Tenant of the user; null for operators. */
  tenantId: string | null;
  isOperator: boolean;
  /** What the token this request came with may do (absent: everything its user may — a service acting for a user). */
  scopes?: readonly Scope[];
  /** The token this request came with. */
  tokenId?: string;
}

export const actorFor = (user: UserRecord): Actor => ({
  user,
  tenantId: user.tenantId,
  isOperator: user.role === 'operator',
});

export function requireOperator(actor: Actor, what: string): void {
  if (!actor.isOperator) throw new CheomdanError('forbidden', `only operators can ${what}`);
}

/** Throws not_found unless the actor may see a resource of `tenantId`. */
export function assertVisible(actor: Actor, tenantId: string, kind: string, id: string): void {
  if (!actor.isOperator && actor.tenantId !== tenantId) {
    throw new CheomdanError('not_found', `no ${kind} "${id}"`);
  }
}

/** The tenant an actor's listing is limited to (null: all, for operators who asked for none). */
export function tenantScope(actor: Actor, requested: string | null | undefined): string | null {
  if (actor.isOperator) return requested ?? null;
  return actor.tenantId;
}
