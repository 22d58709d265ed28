/**
 * A job's stdout or stderr, read from the file Slurm writes (--output/--error) on the shared filesystem.
 * Following polls the file for growth and ends once the job has ended and the file is read to its end,
 * or when the caller aborts. The file may not exist yet (Slurm creates it when the job starts): following
 * waits for it; a one-shot read of a missing file yields nothing.
 */
import { open, stat } from 'node:fs/promises';

export interface TailOptions {
  offset?: number | undefined;
  follow?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Resolves true once the job has ended (no more output will come). Asked at most every `doneCheckMs`. */
  isDone: () => Promise<boolean>;
  pollMs?: number | undefined;
  doneCheckMs?: number | undefined;
}

const CHUNK = 64 * 1024;

export async function* tailFile(path: string, opts: TailOptions): AsyncGenerator<Buffer> {
  let offset = opts.offset ?? 0;
  const pollMs = opts.pollMs ?? 200;
  const doneCheckMs = opts.doneCheckMs ?? 1000;
  let lastDoneCheck = 0;
  let done = false;
  for (;;) {
    if (opts.signal?.aborted) return;
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size > offset) {
      const fh = await open(path, 'r');
      try {
        while (offset < size) {
          if (opts.signal?.aborted) return;
          const buf = Buffer.alloc(Math.min(CHUNK, size - offset));
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
      continue;
    }
    if (!opts.follow || done) return;
    if (Date.now() - lastDoneCheck >= doneCheckMs) {
      lastDoneCheck = Date.now();
      // read once more after the job is seen done: output written just before it ended
      done = await opts.isDone().catch(() => false);
      if (done) continue;
    }
    await sleep(pollMs, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
