/**
 * Login back-off and lockout, per account and per client address (issue 15), as OWASP's authentication
 * guidance and Keycloak's brute-force detection do it: past `freeFailures` (2) failed logins the next
 * attempt waits `baseDelayMs × 2^(failures − freeFailures − 1)` (1, 2 s by default), and `maxFailures` failures inside `windowMs`
 * lock the key for `lockoutMs` — even the right password is refused then. A key counted with a `scale`
 * (a client address: 4) is `scale` times as patient: its failures count in steps of `scale`. A success clears the account's
 * count (not the address's: one address guessing many accounts stays slowed).
 *
 * State is in memory, per server process: a restart clears it, and several replicas each count their own
 * (docs/security.md). The clock is injected.
 */
export interface LoginGuardPolicy {
  /** Failures within the window that lock a key (default 5 per account; 4 × that per address). */
  maxFailures: number;
  /** Failures that cost no wait (a typo or two); the back-off starts after them. */
  freeFailures: number;
  windowMs: number;
  baseDelayMs: number;
  lockoutMs: number;
}

export const DEFAULT_LOGIN_GUARD: LoginGuardPolicy = { maxFailures: 5, freeFailures: 2, windowMs: 15 * 60_000, baseDelayMs: 1000, lockoutMs: 15 * 60_000 };

export type GuardVerdict = { kind: 'ok' } | { kind: 'wait' | 'locked'; key: string; retryAfterMs: number };

interface Count { failures: number; first: number; last: number; lockedUntil: number }

export class LoginGuard {
  private readonly counts = new Map<string, Count>();

  constructor(private readonly clock: () => number, readonly policy: LoginGuardPolicy = DEFAULT_LOGIN_GUARD) {}

  /** May a login for these keys be tried now? The first key that must wait (or is locked) says how long. */
  check(keys: readonly { key: string; scale: number }[]): GuardVerdict {
    const now = this.clock();
    for (const { key, scale } of keys) {
      const c = this.live(key, now);
      if (!c) continue;
      if (c.lockedUntil > now) return { kind: 'locked', key, retryAfterMs: c.lockedUntil - now };
      const steps = Math.floor(c.failures / scale) - this.policy.freeFailures;
      if (steps <= 0 || c.failures >= this.policy.maxFailures * scale) continue;
      const next = c.last + this.policy.baseDelayMs * 2 ** (steps - 1);
      if (next > now) return { kind: 'wait', key, retryAfterMs: next - now };
    }
    return { kind: 'ok' };
  }

  /** A failed attempt: counted for every key. Returns the keys this failure locked. */
  fail(keys: readonly { key: string; scale: number }[]): string[] {
    const now = this.clock();
    const locked: string[] = [];
    for (const { key, scale } of keys) {
      const c = this.live(key, now) ?? { failures: 0, first: now, last: now, lockedUntil: 0 };
      c.failures++;
      c.last = now;
      if (c.failures >= this.policy.maxFailures * scale && c.lockedUntil <= now) {
        c.lockedUntil = now + this.policy.lockoutMs;
        locked.push(key);
      }
      this.counts.set(key, c);
    }
    if (this.counts.size > 100_000) this.sweep(now);
    return locked;
  }

  succeed(key: string): void {
    this.counts.delete(key);
  }

  private live(key: string, now: number): Count | undefined {
    const c = this.counts.get(key);
    if (!c) return undefined;
    if (c.lockedUntil <= now && now - c.first > this.policy.windowMs) {
      this.counts.delete(key);
      return undefined;
    }
    return c;
  }

  /** Bounded memory under a spray of addresses: forget what no longer counts. */
  private sweep(now: number): void {
    for (const key of [...this.counts.keys()]) this.live(key, now);
  }
}
