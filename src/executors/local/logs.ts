/**
 * Reading a log file from a byte offset, optionally following it like `tail -f` until the job has ended
 * and everything it wrote has been delivered. Polls (fs.watch misses appends on some file systems, network
 * ones included); the interval bounds the added latency of live logs.
 *
 * Ordering matters for "drained": we ask whether the job has ended *before* reading to the end of the
 * file, so output written just before the end is always read after the check, never lost.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TailOptions {
  offset?: number | undefined;
  follow?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** True once nothing more will be written. Asked only when following. */
  hasEnded: () => Promise<boolean>;
  /** Default 100 ms. */
  pollIntervalMs?: number | undefined;
}

const CHUNK = 64 * 1024;

export async function* tailFile(path: string, opts: TailOptions): AsyncGenerator<Buffer> {
  let position = Math.max(0, Math.floor(opts.offset ?? 0));
  const follow = opts.follow === true;
  const interval = opts.pollIntervalMs ?? 100;
  let file: FileHandle | null = null;
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      const ended = follow ? await opts.hasEnded() : true;
      if (file === null) {
        try {
          // Never through a symlink: a job that runs as its owner can replace its log by a link to a file
          // only the server may read, and the server serves logs back to the job's owner.
          file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      }
      if (file !== null) {
        for (;;) {
          const buffer = Buffer.allocUnsafe(CHUNK);
          const { bytesRead } = await file.read(buffer, 0, CHUNK, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
          if (opts.signal?.aborted) return;
        }
      }
      if (ended) return;
      try {
        await sleep(interval, undefined, opts.signal === undefined ? undefined : { signal: opts.signal });
      } catch {
        return; // aborted
      }
    }
  } finally {
    await file?.close();
  }
}
