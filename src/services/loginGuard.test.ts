/** Login back-off and lockout, on a fake clock. */
import { expect, it } from 'vitest';
import { LoginGuard } from './loginGuard.ts';

it('backs off exponentially, locks after the failures, and a success clears the account', () => {
  let now = 0;
  const g = new LoginGuard(() => now, { maxFailures: 4, freeFailures: 0, windowMs: 60_000, baseDelayMs: 100, lockoutMs: 10_000 });
  const keys = [{ key: 'acct:a', scale: 1 }];
  expect(g.check(keys)).toEqual({ kind: 'ok' });
  g.fail(keys);
  expect(g.check(keys)).toEqual({ kind: 'wait', key: 'acct:a', retryAfterMs: 100 });
  now += 100;
  g.fail(keys);
  now += 199;
  expect(g.check(keys).kind).toBe('wait');
  now += 1;
  expect(g.check(keys).kind).toBe('ok');
  g.fail(keys);
  now += 400;
  expect(g.fail(keys)).toEqual(['acct:a']);
  expect(g.check(keys)).toEqual({ kind: 'locked', key: 'acct:a', retryAfterMs: 10_000 });
  now += 10_000;
  expect(g.check(keys).kind).toBe('ok');
  g.succeed('acct:a');
  expect(g.check(keys).kind).toBe('ok');
});

it('counts an address across accounts with its own, larger scale', () => {
  let now = 0;
  const g = new LoginGuard(() => now, { maxFailures: 2, freeFailures: 0, windowMs: 60_000, baseDelayMs: 1, lockoutMs: 5000 });
  for (let i = 0; i < 4; i++) {
    now += 10_000;
    g.fail([{ key: `acct:${i}`, scale: 1 }, { key: 'addr:1.2.3.4', scale: 2 }]);
  }
  expect(g.check([{ key: 'acct:new', scale: 1 }, { key: 'addr:1.2.3.4', scale: 2 }])).toMatchObject({ kind: 'locked', key: 'addr:1.2.3.4' });
  // One failure of a scale-2 key does not slow it yet; two do.
  const h = new LoginGuard(() => now, { maxFailures: 5, freeFailures: 0, windowMs: 60_000, baseDelayMs: 100, lockoutMs: 5000 });
  h.fail([{ key: 'addr:x', scale: 2 }]);
  expect(h.check([{ key: 'addr:x', scale: 2 }]).kind).toBe('ok');
  h.fail([{ key: 'addr:x', scale: 2 }]);
  expect(h.check([{ key: 'addr:x', scale: 2 }]).kind).toBe('wait');
});

it('lets the first failures (typos) through without a wait', () => {
  const now = 0;
  const g = new LoginGuard(() => now);
  const keys = [{ key: 'acct:a', scale: 1 }];
  g.fail(keys);
  g.fail(keys);
  expect(g.check(keys).kind).toBe('ok');
  g.fail(keys);
  expect(g.check(keys)).toEqual({ kind: 'wait', key: 'acct:a', retryAfterMs: 1000 });
});
