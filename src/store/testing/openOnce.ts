/**
 * Opens (and so migrates) a store in its own process and prints `migrated` as JSON: the migration tests
 * start several at once to check that concurrent opens from different processes apply each migration
 * once. (Within one process, open one SQLite store per file: better-sqlite3 waits for another handle's
 * lock synchronously, blocking the very event loop that would release it.)
 *   node --import tsx src/store/testing/openOnce.ts <sqlitePath | postgres://…>
 */
import { openStore } from '../index.ts';

const target = process.argv[2];
if (!target) throw new Error('usage: openOnce.ts <sqlitePath | postgres://…>');
const store = await openStore(target.startsWith('postgres') ? { url: target } : { sqlitePath: target });
process.stdout.write(`${JSON.stringify(store.migrated)}\n`);
await store.close();
