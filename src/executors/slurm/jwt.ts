/**
 * Slurm JWT tokens (auth/jwt, HS256). Slurm verifies the signature with the key named by
 * `AuthAltParameters=jwt_key=...` and takes the user from the `sun` claim; `exp` bounds the token's life.
 * We mint one per user and keep it until it is close to expiry, so a submit costs no extra round trip.
 */
import { createHmac } from 'node:crypto';

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A signed token for `user`, valid from `nowSeconds` for `lifetimeSeconds`. */
export function mintSlurmJwt(key: Buffer, user: string, nowSeconds: number, lifetimeSeconds: number): string {
  if (key.length === 0) throw new Error('the Slurm JWT key is empty');
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) throw new Error(`"${user}" is not a valid Linux user name`);
  const header = b64url({ alg: 'HS256', typ: 'JWT' });
  const payload = b64url({ iat: nowSeconds, exp: nowSeconds + lifetimeSeconds, sun: user });
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Caches a token per user; re-mints when less than a quarter of the lifetime is left. */
export class JwtCache {
  readonly #tokens = new Map<string, { token: string; exp: number }>();
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number,
    private readonly lifetimeSeconds = 3600,
  ) {}

  token(user: string): string {
    const now = Math.floor(this.now() / 1000);
    const hit = this.#tokens.get(user);
    if (hit && hit.exp - now > this.lifetimeSeconds / 4) return hit.token;
    const token = mintSlurmJwt(this.key, user, now, this.lifetimeSeconds);
    this.#tokens.set(user, { token, exp: now + this.lifetimeSeconds });
    return token;
  }
}
