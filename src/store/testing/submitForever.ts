/**
 * Submits jobs (job + event, one transaction each) until killed, printing each job's id on stdout only
 * after its transaction committed — the moment the API would acknowledge it. The durability test kills this
 * process with SIGKILL and checks that every printed id is in the database.
 *   node --import tsx src/store/testing/submitForever.ts <sqlitePath | postgres://…>
 */
import { openStore } from '../index.ts';
import { aNewJob, seedTenant } from './builders.ts';

const target = process.argv[2];
if (!target) throw new Error('usage: submitForever.ts <sqlitePath | postgres://…>');
const store = await openStore(target.startsWith('postgres') ? { url: target } : { sqlitePath: target });
const seed = await seedTenant(store);
process.stdout.write('ready\n');
for (;;) {
  const job = aNewJob(seed).build();
  await store.transaction(async (tx) => {
    await tx.jobs.insert(job);
    await tx.events.append({ jobId: job.id, kind: 'state', toState: 'pending', message: 'submitted' });
  });
  process.stdout.write(`${job.id}\n`);
}
