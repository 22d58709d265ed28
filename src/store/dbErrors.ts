/**
 * Turns a driver's constraint violation into a catalogue error, keeping the original as `cause`.
 *
 * - unique / primary key → `conflict`, naming the field(s) in camelCase (`slug`, `tenantId+slug`), taken
 *   from SQLite's "UNIQUE constraint failed: projects.tenant_id, projects.slug" or PostgreSQL's detail
 *   "Key (tenant_id, slug)=(…) already exists.".
 * - foreign key → `conflict` too: the row refers to something that does not exist (or, on delete, is still
 *   referred to). SQLite does not say which column; PostgreSQL does.
 * Anything else is rethrown unchanged.
 */
import { CheomdanError } from '../core/errors.ts';

const camel = (s: string): string => s.trim().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  table?: unknown;
}

function uniqueFields(e: DriverError): { table: string | undefined; columns: string[] } {
  const message = String(e.message ?? '');
  const sqlite = /constraint failed: (.+)$/i.exec(message);
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE') && sqlite?.[1]) {
    const parts = sqlite[1].split(',').map((p) => p.trim());
    return { table: parts[0]?.split('.')[0], columns: parts.map((p) => p.split('.').pop() ?? p) };
  }
  const pgKey = /Key \(([^)]+)\)=/.exec(String(e.detail ?? ''));
  return {
    table: typeof e.table === 'string' ? e.table : undefined,
    columns: pgKey?.[1] ? pgKey[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : [],
  };
}

/** Returns the error to throw for a failed write: a `CheomdanError` for constraint violations, else `e`. */
export function translateDbError(e: unknown): unknown {
  if (typeof e !== 'object' || e === null) return e;
  const err = e as DriverError;
  const code = String(err.code ?? '');
  const isUnique = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
  const isForeign = code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
  if (!isUnique && !isForeign) return e;

  const { table, columns } = uniqueFields(err);
  const field = columns.map(camel).join('+');
  const where = table ? ` in ${table}` : '';
  if (isUnique) {
    const detail = field
      ? `a row${where} with the same ${field} already exists; choose another ${field}`
      : `a row${where} with the same key already exists`;
    return new CheomdanError('conflict', detail, {
      cause: e,
      errors: field ? [{ path: field, message: 'already exists' }] : [],
      extra: { table, fields: columns.map(camel) },
    });
  }
  const detail = field
    ? `${field}${where} refers to a row that does not exist (or a row still referred to was deleted)`
    : `the row${where} refers to a row that does not exist (or a row still referred to was deleted)`;
  return new CheomdanError('conflict', detail, {
    cause: e,
    errors: field ? [{ path: field, message: 'refers to a missing row' }] : [],
    extra: { table, fields: columns.map(camel) },
  });
}

/** Runs a write and translates constraint violations. */
export async function guardWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw translateDbError(e);
  }
}
