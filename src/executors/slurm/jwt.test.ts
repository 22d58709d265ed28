import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JwtCache, mintSlurmJwt } from './jwt.ts';

describe('mintSlurmJwt', () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  it('signs header.payload with HMAC-SHA256 and carries sun/iat/exp', () => {
    const [h, p, sig] = mintSlurmJwt(key, 'alice', 1000, 60).split('.');
    expect(JSON.parse(Buffer.from(h ?? '', 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p ?? '', 'base64url').toString())).toEqual({ iat: 1000, exp: 1060, sun: 'alice' });
    expect(sig).toBe(createHmac('sha256', key).update(`${h}.${p}`).digest('base64url'));
  });
  it('refuses an empty key and a name that is not a Linux user name', () => {
    expect(() => mintSlurmJwt(Buffer.alloc(0), 'a', 0, 1)).toThrow(/empty/);
    expect(() => mintSlurmJwt(key, 'a b"c', 0, 1)).toThrow(/not a valid Linux user name/);
  });
  it('caches a token per user until a quarter of its life is left', () => {
    let now = 1_000_000;
    const cache = new JwtCache(key, () => now, 400);
    const t1 = cache.token('bob');
    now += 200_000;
    expect(cache.token('bob')).toBe(t1);
    now += 150_000;
    expect(cache.token('bob')).not.toBe(t1);
  });
});
