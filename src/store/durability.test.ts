import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { asJobId } from '../core/ids.ts';
import { openStore } from './index.ts';
import { createTestDatabase, testDialects, type TestDatabase } from './testing/databases.ts';

const SUBMIT_FOREVER = fileURLToPath(new URL('./testing/submitForever.ts', import.meta.url));

for (const dialect of testDialects()) {
  describe(`durability [${dialect}]`, () => {
    let database: TestDatabase | undefined;
    afterAll(async () => {
      await database?.drop();
    });

    it('keeps every acknowledged submission when the writing process is killed with SIGKILL', async () => {
      database = await createTestDatabase(dialect);
      const target = database.options.url ?? database.options.sqlitePath ?? '';
      const child = spawn(process.execPath, ['--import', 'tsx', SUBMIT_FOREVER, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acknowledged: string[] = [];
      let buffer = '';
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited early: ${code ?? signal}`))));
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) if (line.startsWith('job_')) acknowledged.push(line);
          // Kill mid-stream, while transactions are being written.
          if (acknowledged.length >= 300 && !child.killed) child.kill('SIGKILL');
        });
      });

      const store = await openStore({ ...database.options });
      try {
        const missing: string[] = [];
        for (const id of acknowledged) if (!(await store.jobs.get(asJobId(id)))) missing.push(id);
        expect(missing).toEqual([]);
        // And every stored job has its event: the two were one transaction, never half-written.
        const all = await store.jobs.listByStates(['pending']);
        expect(all.length).toBeGreaterThanOrEqual(acknowledged.length);
        for (const job of all) expect(await store.events.list(job.id)).toHaveLength(1);
      } finally {
        await store.close();
      }
    });
  });
}
