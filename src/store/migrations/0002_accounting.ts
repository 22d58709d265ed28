/**
 * 0002: programs and allocations (issue 4) — programs (calls), their reviewers, applications and reviews,
 * allocations, rates with history, the double-entry ledger, outputs and progress/final reports.
 *
 * Amounts are integer milli-SU (`bigint`); rates are integer mSU per unit-hour. The ledger is append-only:
 * `ledger_transactions` (one row per posting, with what it was for) and `ledger_entries` (its entries, which
 * sum to zero). `ledger_transactions.idem_key` is unique: a hold or settlement is keyed by (kind, job,
 * attempt), so repeating one after a crash inserts nothing.
 */
import { sql } from 'kysely';
import { autoIncrementKey, type Migration } from './types.ts';

export const migration0002: Migration = {
  version: 2,
  name: 'accounting',
  async up({ db, dialect }) {
    const autoId = autoIncrementKey(dialect);

    await db.schema
      .createTable('programs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('opens_at', 'bigint', (c) => c.notNull())
      .addColumn('closes_at', 'bigint', (c) => c.notNull())
      .addColumn('budget_msu', 'bigint', (c) => c.notNull())
      .addColumn('tenant_cap_msu', 'bigint')
      .addColumn('eligibility', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('sector_shares', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('criteria', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('allocation_terms', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('program_reviewers')
      .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('program_reviewers_pkey', ['program_id', 'user_id'])
      .execute();

    await db.schema
      .createTable('applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('project_id', 'text', (c) => c.references('projects.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('requested_msu', 'bigint', (c) => c.notNull())
      .addColumn('expected_outputs', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('region', 'text')
      .addColumn('state', 'text', (c) =>
        c.notNull().check(sql`state in ('draft', 'submitted', 'under_review', 'approved', 'rejected', 'withdrawn')`))
      .addColumn('submitted_at', 'bigint')
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('approved_msu', 'bigint')
      .addColumn('allocation_id', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('applications_program_idx').on('applications').columns(['program_id', 'state']).execute();
    await db.schema.createIndex('applications_tenant_idx').on('applications').column('tenant_id').execute();

    await db.schema
      .createTable('reviews')
      .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
      .addColumn('reviewer_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('scores', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('reviews_pkey', ['application_id', 'reviewer_id'])
      .execute();

    await db.schema
      .createTable('allocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('project_id', 'text', (c) => c.references('projects.id'))
      .addColumn('program_id', 'text', (c) => c.references('programs.id'))
      .addColumn('application_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('awarded_msu', 'bigint', (c) => c.notNull())
      .addColumn('accelerator_types', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('concurrent_limit', 'integer', (c) => c.notNull())
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint', (c) => c.notNull())
      .addColumn('tranches', 'text', (c) => c.notNull())
      .addColumn('report_schedule', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('discount_pct', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('fair_share_weight', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'suspended', 'expired')`))
      .addColumn('state_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('allocations_tenant_idx').on('allocations').column('tenant_id').execute();

    await db.schema
      .createTable('rates')
      .addColumn('id', autoId.type, autoId.build)
      .addColumn('resource', 'text', (c) =>
        c.notNull().check(sql`resource in ('device', 'cpu', 'storage', 'reservation_multiplier')`))
      .addColumn('accelerator_type', 'text')
      .addColumn('value', 'bigint', (c) => c.notNull())
      .addColumn('effective_from', 'bigint', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('ledger_transactions')
      .addColumn('id', autoId.type, autoId.build)
      .addColumn('idem_key', 'text', (c) => c.unique())
      .addColumn('kind', 'text', (c) =>
        c.notNull().check(sql`kind in ('budget', 'award', 'tranche', 'hold', 'settle', 'release', 'adjustment', 'expiry')`))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('allocation_id', 'text')
      .addColumn('program_id', 'text')
      .addColumn('tenant_id', 'text')
      .addColumn('project_id', 'text')
      .addColumn('job_id', 'text')
      .addColumn('attempt', 'integer')
      .addColumn('accelerator_type', 'text')
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('device_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cpu_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rate_ids', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('actor_user_id', 'text')
      .addColumn('memo', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('ledger_tx_allocation_idx').on('ledger_transactions').columns(['allocation_id', 'id']).execute();
    await db.schema.createIndex('ledger_tx_kind_at_idx').on('ledger_transactions').columns(['kind', 'at']).execute();
    await db.schema.createIndex('ledger_tx_job_idx').on('ledger_transactions').column('job_id').execute();

    await db.schema
      .createTable('ledger_entries')
      .addColumn('txn_id', 'bigint', (c) => c.notNull().references('ledger_transactions.id'))
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_entries_pkey', ['txn_id', 'account'])
      .execute();
    await db.schema.createIndex('ledger_entries_account_idx').on('ledger_entries').column('account').execute();

    await db.schema
      .createTable('outputs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('allocation_id', 'text', (c) => c.notNull().references('allocations.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('paper', 'model', 'dataset', 'software', 'patent', 'other')`))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('reference', 'text')
      .addColumn('reported_by', 'text', (c) => c.notNull())
      .addColumn('reported_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('allocation_reports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('allocation_id', 'text', (c) => c.notNull().references('allocations.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('progress', 'final')`))
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('submitted', 'accepted', 'rejected')`))
      .addColumn('submitted_by', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'bigint', (c) => c.notNull())
      .addColumn('reviewed_by', 'text')
      .addColumn('reviewed_at', 'bigint')
      .addColumn('review_note', 'text')
      .execute();
  },
};
