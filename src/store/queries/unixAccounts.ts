/** Unix accounts of users (migration 0007): one per user; user name and uid unique across the center. */
import type { UserId } from '../../core/ids.ts';
import { guardWrite } from '../dbErrors.ts';
import type { UnixAccountRecord } from '../records.ts';
import type { UnixAccountsTable } from '../schema.ts';
import type { QueryContext } from './context.ts';

const toRecord = (r: UnixAccountsTable): UnixAccountRecord => ({
  userId: r.user_id as UserId, userName: r.user_name, uid: Number(r.uid), gid: Number(r.gid),
  origin: r.origin as UnixAccountRecord['origin'], createdAt: Number(r.created_at),
});

/** Records an account; `conflict` when the user, the name or the uid is taken. */
export async function insertUnixAccount(ctx: QueryContext, a: UnixAccountRecord): Promise<UnixAccountRecord> {
  await guardWrite(() => ctx.db.insertInto('unix_accounts').values({
    user_id: a.userId, user_name: a.userName, uid: a.uid, gid: a.gid, origin: a.origin, created_at: a.createdAt,
  }).execute());
  return a;
}

export async function getUnixAccount(ctx: QueryContext, userId: UserId): Promise<UnixAccountRecord | undefined> {
  const r = await ctx.db.selectFrom('unix_accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

export async function listUnixAccounts(ctx: QueryContext): Promise<UnixAccountRecord[]> {
  return (await ctx.db.selectFrom('unix_accounts').selectAll().orderBy('uid').execute()).map(toRecord);
}

/** The highest uid of a created account in [min, max], or null when none is (mapped accounts keep their own). */
export async function maxUnixUid(ctx: QueryContext, min: number, max: number): Promise<number | null> {
  const r = await ctx.db.selectFrom('unix_accounts').select((eb) => eb.fn.max('uid').as('uid'))
    .where('origin', '=', 'created').where('uid', '>=', min).where('uid', '<=', max).executeTakeFirst();
  return r?.uid === null || r?.uid === undefined ? null : Number(r.uid);
}

/** Forgets the account recorded for a user (one whose creation on the host lost a race for its uid). */
export async function deleteUnixAccount(ctx: QueryContext, userId: UserId): Promise<void> {
  await guardWrite(() => ctx.db.deleteFrom('unix_accounts').where('user_id', '=', userId).execute());
}
