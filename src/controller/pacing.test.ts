/** Tick pacing: ticks never overlap; a wake during a tick gives exactly one more; stop waits for the tick. */
import pino from 'pino';
import { expect, it } from 'vitest';
import { TickPacer } from './pacing.ts';

it('never overlaps ticks, coalesces wakes into one more tick, and stop waits for the tick in flight', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let ticks = 0;
  let release: () => void = () => {};
  const pacer = new TickPacer(async () => {
    ticks++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (ticks === 1) await new Promise<void>((r) => { release = r; });
    inFlight--;
  }, 60_000, pino({ level: 'silent' }));
  pacer.wake(); // stopped: nothing
  expect(ticks).toBe(0);
  pacer.start();
  await new Promise((r) => setTimeout(r, 5));
  expect(ticks).toBe(1);
  for (let i = 0; i < 10; i++) pacer.wake();
  release();
  await new Promise((r) => setTimeout(r, 50));
  expect(ticks).toBe(2);
  expect(maxInFlight).toBe(1);
  await pacer.stop();
  pacer.wake();
  await new Promise((r) => setTimeout(r, 10));
  expect(ticks).toBe(2);
});

it('spaces ticks by twice the last tick, between 1 and 250 ms', () => {
  const pacer = new TickPacer(async () => {}, 1000, pino({ level: 'silent' }));
  expect(pacer.gapMs()).toBe(1);
});
