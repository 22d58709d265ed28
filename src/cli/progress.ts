/**
 * A transfer's progress on stderr: a bar with bytes, rate and ETA on a terminal (cli-progress); on
 * anything else (a pipe, a CI log) one line every 10% so logs stay readable.
 */
import cliProgress from 'cli-progress';
import { formatBytes } from '../core/datasets.ts';

export class Progress {
  readonly #bar: cliProgress.SingleBar | null;
  readonly #started = Date.now();
  #lastTenth = -1;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly total: number, private readonly label: string) {
    this.#bar = out.isTTY
      ? new cliProgress.SingleBar({
          stream: out, hideCursor: true, etaBuffer: 50,
          format: `${label} {bar} {percentage}% | {done} of {size} | {rate}/s | ETA {eta_formatted}`,
        }, cliProgress.Presets.shades_classic)
      : null;
    this.#bar?.start(Math.max(1, total), 0, { done: formatBytes(0), size: formatBytes(total), rate: formatBytes(0) });
  }

  update(done: number): void {
    const secs = Math.max(0.001, (Date.now() - this.#started) / 1000);
    if (this.#bar) {
      this.#bar.update(Math.min(done, Math.max(1, this.total)), { done: formatBytes(done), size: formatBytes(this.total), rate: formatBytes(done / secs) });
      return;
    }
    const tenth = this.total === 0 ? 10 : Math.floor((done / this.total) * 10);
    if (tenth > this.#lastTenth && tenth < 10) {
      this.#lastTenth = tenth;
      this.out.write(`${this.label}: ${formatBytes(done)} of ${formatBytes(this.total)} (${tenth * 10}%), ${formatBytes(done / secs)}/s\n`);
    }
  }

  stop(): void {
    this.#bar?.stop();
  }
}
