import { expect, it } from 'vitest';
import { CheomdanError } from '../core/errors.ts';
import { asProjectId, asTenantId, asUserId } from '../core/ids.ts';
import { describeStore, uid } from './testing/conformance.ts';
import { seedTenant } from './testing/builders.ts';

/** Runs `fn` and returns the CheomdanError it threw (fails the test if it did not throw one). */
async function conflictOf(fn: () => Promise<unknown>): Promise<CheomdanError> {
  const e = await fn().then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(CheomdanError);
  return e as CheomdanError;
}

describeStore('tenants, users, projects, tokens', (t) => {
  it('creates, gets and lists tenants; a duplicate slug is a conflict naming slug', async () => {
    const id = asTenantId(uid('ten'));
    const slug = uid('acme');
    t.now = 1_700_000_000_123;
    const created = await t.store.tenants.create({ id, slug, name: 'Acme AI', kind: 'startup', sector: 'automotive' });
    expect(created).toEqual({ id, slug, name: 'Acme AI', kind: 'startup', sector: 'automotive', createdAt: 1_700_000_000_123 });
    expect(await t.store.tenants.get(id)).toEqual(created);
    expect(await t.store.tenants.getBySlug(slug)).toEqual(created);
    expect(await t.store.tenants.get(asTenantId('ten_missing'))).toBeUndefined();
    expect((await t.store.tenants.list()).map((x) => x.id)).toContain(id);

    const e = await conflictOf(() => t.store.tenants.create({ id: asTenantId(uid('ten')), slug, name: 'Other', kind: 'public', sector: 'other' }));
    expect(e.code).toBe('conflict');
    expect(e.errors).toEqual([{ path: 'slug', message: 'already exists' }]);
    expect(e.message).toContain('slug');
    const dupId = await conflictOf(() => t.store.tenants.create({ id, slug: uid('s'), name: 'Other', kind: 'public', sector: 'other' }));
    expect(dupId.errors).toEqual([{ path: 'id', message: 'already exists' }]);
  });

  it('rejects a tenant kind outside the catalogue at the database too', async () => {
    await expect(t.store.tenants.create({ id: asTenantId(uid('ten')), slug: uid('s'), name: 'x', kind: 'bank' as never, sector: 'other' })).rejects.toThrow();
  });

  it('creates users with and without a tenant; emails are unique', async () => {
    const { tenant } = await seedTenant(t.store);
    const email = `${uid('op')}@dc.example`;
    const op = await t.store.users.create({ id: asUserId(uid('usr')), email, name: 'Operator', role: 'operator' });
    expect(op).toMatchObject({ tenantId: null, passwordHash: null, disabledAt: null, role: 'operator' });
    const member = await t.store.users.create({
      id: asUserId(uid('usr')), email: `${uid('m')}@acme.example`, name: 'Member', role: 'member',
      tenantId: tenant.id, passwordHash: 'scrypt$abc',
    });
    expect(await t.store.users.get(member.id)).toEqual(member);
    expect(await t.store.users.getByEmail(email)).toEqual(op);
    expect((await t.store.users.listByTenant(tenant.id)).map((u) => u.id)).toContain(member.id);
    expect((await t.store.users.listByTenant(tenant.id)).map((u) => u.id)).not.toContain(op.id);
    expect((await t.store.users.list()).map((u) => u.id)).toEqual(expect.arrayContaining([op.id, member.id]));

    const e = await conflictOf(() => t.store.users.create({ id: asUserId(uid('usr')), email, name: 'Again', role: 'member' }));
    expect(e.code).toBe('conflict');
    expect(e.errors[0]?.path).toBe('email');

    expect(await t.store.users.setDisabled(member.id, 5)).toBe(true);
    expect(await t.store.users.setPasswordHash(member.id, 'scrypt$new')).toBe(true);
    expect(await t.store.users.get(member.id)).toMatchObject({ disabledAt: 5, passwordHash: 'scrypt$new' });
    expect(await t.store.users.setDisabled(asUserId('usr_missing'), 5)).toBe(false);
  });

  it('refuses a user in a tenant that does not exist (foreign key) as a conflict', async () => {
    const e = await conflictOf(() => t.store.users.create({
      id: asUserId(uid('usr')), email: `${uid('x')}@x.example`, name: 'x', role: 'member', tenantId: asTenantId('ten_nowhere'),
    }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/does not exist/);
  });

  it('creates projects; a slug is unique within its tenant only (conflict names tenantId+slug)', async () => {
    const a = await seedTenant(t.store);
    const b = await seedTenant(t.store);
    const p = await t.store.projects.create({ id: asProjectId(uid('prj')), tenantId: a.tenant.id, slug: 'vision', name: 'Vision', description: 'CT scans' });
    expect(await t.store.projects.get(p.id)).toEqual(p);
    expect(await t.store.projects.getBySlug(a.tenant.id, 'vision')).toEqual(p);
    expect(await t.store.projects.getBySlug(b.tenant.id, 'vision')).toBeUndefined();
    expect((await t.store.projects.listByTenant(a.tenant.id)).map((x) => x.slug)).toEqual(['main', 'vision']);
    // Same slug in another tenant is fine.
    await t.store.projects.create({ id: asProjectId(uid('prj')), tenantId: b.tenant.id, slug: 'vision', name: 'Vision B' });
    const e = await conflictOf(() => t.store.projects.create({ id: asProjectId(uid('prj')), tenantId: a.tenant.id, slug: 'vision', name: 'Again' }));
    expect(e.code).toBe('conflict');
    expect(e.errors).toEqual([{ path: 'tenantId+slug', message: 'already exists' }]);
  });

  it('creates, finds, touches, revokes and lists API tokens', async () => {
    const { user } = await seedTenant(t.store);
    const hash = uid('hash');
    t.now = 1_700_000_100_000;
    const token = await t.store.tokens.create({ id: uid('tok'), userId: user.id, name: 'laptop', tokenHash: hash, prefix: 'chd_ab12', expiresAt: 1_800_000_000_000, scopes: ['read'] });
    expect(token).toMatchObject({ createdAt: 1_700_000_100_000, lastUsedAt: null, revokedAt: null, expiresAt: 1_800_000_000_000 });
    expect(await t.store.tokens.findByHash(hash)).toEqual(token);
    expect(await t.store.tokens.findByHash('nope')).toBeUndefined();

    expect(await t.store.tokens.touch(token.id, 1_700_000_200_000)).toBe(true);
    expect(await t.store.tokens.revoke(token.id)).toBe(true);
    expect(await t.store.tokens.revoke(token.id)).toBe(false);
    expect(await t.store.tokens.findByHash(hash)).toMatchObject({ lastUsedAt: 1_700_000_200_000, revokedAt: 1_700_000_100_000 });

    const second = await t.store.tokens.create({ id: uid('tok'), userId: user.id, name: 'ci', tokenHash: uid('hash'), prefix: 'chd_cd34', createdAt: 1_700_000_300_000, scopes: ['read'] });
    expect((await t.store.tokens.listByUser(user.id)).map((x) => x.id)).toEqual([token.id, second.id]);

    const e = await conflictOf(() => t.store.tokens.create({ id: uid('tok'), userId: user.id, name: 'dup', tokenHash: hash, prefix: 'x', scopes: ['read'] }));
    expect(e.errors[0]?.path).toBe('tokenHash');
  });
});
