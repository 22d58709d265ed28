import { describe, expect, it } from 'vitest';
import { outcomeOf } from './outcome.ts';

describe('outcomeOf: a lost job', () => {
  const lost = (lastSeenAt?: number) => ({ handle: 'h', state: 'lost' as const, detail: 'gone', lastSeenAt });
  it('ends at the executor\'s last evidence of life', () => expect(outcomeOf(lost(5_000), false, 9_000, 1_000).endedAt).toBe(5_000));
  it('ends when noticed only without evidence', () => expect(outcomeOf(lost(), false, 9_000, 1_000).endedAt).toBe(9_000));
  it('never before its usage began, never after now', () => {
    expect(outcomeOf(lost(500), false, 9_000, 1_000).endedAt).toBe(1_000);
    expect(outcomeOf(lost(12_000), false, 9_000, 1_000).endedAt).toBe(9_000);
  });
});
