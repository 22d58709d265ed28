/**
 * Reading secrets: a hidden prompt on a terminal, or all of standard input (for --password-stdin).
 * There is never a prompt when stdin is not a terminal: scripts must say where the secret comes from.
 */
import type { Io } from './context.ts';

/** Reads standard input to the end, without the trailing newline. */
export async function readAllStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks a question on the terminal; with `hidden`, typed characters are not echoed. */
export async function ask(io: Io, question: string, hidden = false): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(question);
  if (hidden && stdin.setRawMode) stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (buf: Buffer | string) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            io.stderr.write('\n');
            resolve(answer);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            io.stderr.write('\n');
            reject(new Error('interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    if (hidden && stdin.setRawMode) stdin.setRawMode(false);
    stdin.pause();
  }
}
