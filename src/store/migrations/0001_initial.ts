/**
 * 0001: the platform's data model — tenants, users, projects, API tokens, inventory (nodes and devices),
 * jobs with their event history, the usage (metering) record and the audit log.
 *
 * Timestamps are `bigint` epoch milliseconds; JSON is text; booleans would be integers (none yet).
 * `jobs.seq` is the submission order: an identity column on PostgreSQL; on SQLite it is assigned as
 * max(seq)+1 inside the insert (writers are serialised by SQLite's write lock, and the unique index both
 * backs the max() lookup and guards against a duplicate).
 */
import { sql } from 'kysely';
import { autoIncrementKey, type Migration } from './types.ts';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  async up({ db, dialect }) {
    const autoId = autoIncrementKey(dialect);

    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) =>
        c.notNull().check(sql`kind in ('startup', 'enterprise', 'university', 'research_institute', 'public')`))
      .addColumn('sector', 'text', (c) =>
        c.notNull().check(sql`sector in ('healthcare', 'automotive', 'energy', 'other')`))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('operator', 'owner', 'member')`))
      .addColumn('tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .execute();
    await db.schema.createIndex('users_tenant_idx').on('users').column('tenant_id').execute();

    await db.schema
      .createTable('projects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('projects_tenant_slug_key', ['tenant_id', 'slug'])
      .execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

    await db.schema
      .createTable('nodes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('partition', 'text', (c) => c.notNull())
      .addColumn('cpus', 'integer', (c) => c.notNull())
      .addColumn('memory_mb', 'bigint', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('up', 'draining', 'down')`))
      .addColumn('state_reason', 'text')
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('host', 'declared', 'slurm')`))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('node', 'text', (c) => c.notNull().references('nodes.name').onDelete('cascade'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('devices_pkey', ['node', 'idx'])
      .execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
        (dialect === 'sqlite' ? c : c.generatedByDefaultAsIdentity()).notNull().unique())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('partition', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('script', 'text', (c) => c.notNull())
      .addColumn('working_directory', 'text', (c) => c.notNull())
      .addColumn('environment', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('qos', 'text')
      .addColumn('submitted_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('exit_code', 'integer')
      .addColumn('signal', 'text')
      .addColumn('pending_reason', 'text')
      .addColumn('pending_message', 'text')
      .addColumn('estimated_start', 'bigint')
      .addColumn('placement', 'text')
      .addColumn('accelerator_type', 'text')
      .addColumn('executor', 'text')
      .addColumn('executor_handle', 'text')
      .addColumn('stdout_path', 'text', (c) => c.notNull())
      .addColumn('stderr_path', 'text', (c) => c.notNull())
      .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('preemption_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failure_reason', 'text')
      .addColumn('allocation_id', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_state_idx').on('jobs').column('state').execute();
    await db.schema.createIndex('jobs_tenant_seq_idx').on('jobs').columns(['tenant_id', 'seq desc']).execute();
    await db.schema.createIndex('jobs_project_seq_idx').on('jobs').columns(['project_id', 'seq']).execute();
    await db.schema.createIndex('jobs_user_seq_idx').on('jobs').columns(['user_id', 'seq']).execute();

    await db.schema
      .createTable('job_events')
      .addColumn('id', autoId.type, autoId.build)
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('state', 'reason', 'info')`))
      .addColumn('from_state', 'text')
      .addColumn('to_state', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_events_job_idx').on('job_events').columns(['job_id', 'id']).execute();

    await db.schema
      .createTable('usage')
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('device_idx', 'integer', (c) => c.notNull())
      .addColumn('accelerator_type', 'text')
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addPrimaryKeyConstraint('usage_pkey', ['job_id', 'attempt', 'node', 'device_idx'])
      .execute();
    await db.schema.createIndex('usage_started_idx').on('usage').column('started_at').execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', autoId.type, autoId.build)
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_user_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('audit_log_subject_idx').on('audit_log').columns(['subject', 'id']).execute();
  },
};
