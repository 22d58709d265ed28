/** Programs (calls for applications) and their reviewers. */
import type { Selectable } from 'kysely';
import { guardWrite } from '../../dbErrors.ts';
import { parseJson, type QueryContext } from '../context.ts';
import { adb, type ProgramRecord, type ProgramsTable } from './records.ts';

const toRecord = (r: Selectable<ProgramsTable>): ProgramRecord => ({
  id: r.id, slug: r.slug, name: r.name, description: r.description, opensAt: Number(r.opens_at), closesAt: Number(r.closes_at),
  budgetMsu: Number(r.budget_msu), tenantCapMsu: r.tenant_cap_msu === null ? null : Number(r.tenant_cap_msu),
  eligibility: parseJson(r.eligibility, 'programs.eligibility'), sectorShares: parseJson(r.sector_shares, 'programs.sector_shares'),
  criteria: parseJson(r.criteria, 'programs.criteria'), allocationTerms: parseJson(r.allocation_terms, 'programs.allocation_terms'),
  createdBy: r.created_by, createdAt: Number(r.created_at),
});

export async function createProgram(ctx: QueryContext, p: Omit<ProgramRecord, 'createdAt'> & { createdAt?: number }): Promise<ProgramRecord> {
  const row: Selectable<ProgramsTable> = {
    id: p.id, slug: p.slug, name: p.name, description: p.description, opens_at: p.opensAt, closes_at: p.closesAt,
    budget_msu: p.budgetMsu, tenant_cap_msu: p.tenantCapMsu, eligibility: JSON.stringify(p.eligibility),
    sector_shares: JSON.stringify(p.sectorShares), criteria: JSON.stringify(p.criteria),
    allocation_terms: JSON.stringify(p.allocationTerms), created_by: p.createdBy, created_at: p.createdAt ?? ctx.clock(),
  };
  await guardWrite(() => adb(ctx).insertInto('programs').values(row).execute());
  return toRecord(row);
}

export async function getProgram(ctx: QueryContext, idOrSlug: string): Promise<ProgramRecord | undefined> {
  const r = await adb(ctx).selectFrom('programs').selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)])).executeTakeFirst();
  return r && toRecord(r);
}

/** Reads a program and, on PostgreSQL, locks its row until the transaction ends (awards are serialised). */
export async function lockProgram(ctx: QueryContext, id: string): Promise<ProgramRecord | undefined> {
  let q = adb(ctx).selectFrom('programs').selectAll().where('id', '=', id);
  if (ctx.dialect === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r && toRecord(r);
}

export async function listPrograms(ctx: QueryContext): Promise<ProgramRecord[]> {
  return (await adb(ctx).selectFrom('programs').selectAll().orderBy('opens_at', 'desc').orderBy('id').execute()).map(toRecord);
}

export async function addReviewer(ctx: QueryContext, programId: string, userId: string): Promise<boolean> {
  const r = await guardWrite(() => adb(ctx).insertInto('program_reviewers')
    .values({ program_id: programId, user_id: userId, created_at: ctx.clock() })
    .onConflict((oc) => oc.columns(['program_id', 'user_id']).doNothing()).executeTakeFirst());
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function listReviewers(ctx: QueryContext, programId: string): Promise<string[]> {
  const rows = await adb(ctx).selectFrom('program_reviewers').select('user_id').where('program_id', '=', programId).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

export async function programsReviewedBy(ctx: QueryContext, userId: string): Promise<string[]> {
  const rows = await adb(ctx).selectFrom('program_reviewers').select('program_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.program_id);
}
