import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asTenantId, asUserId } from '../core/ids.ts';
import { openStore, SECTORS, TENANT_KINDS } from '../store/index.ts';
import { createTestDatabase } from '../store/testing/databases.ts';
import { checkSingleOrganization, isolationMode, protectServerFiles, secureHome } from './serverFiles.ts';

const mode = (p: string): string => (statSync(p).mode & 0o7777).toString(8);

describe('secureHome', () => {
  const home = mkdtempSync(join(tmpdir(), 'cheomdan-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('makes CHEOMDAN_HOME and jobs/ 0711 (traversable, not listable) and the server\'s files 0600 / directories 0700, leaving job output and symlinks alone', async () => {
    chmodSync(home, 0o755);
    for (const f of ['cheomdan.db', 'cheomdan.db-wal', 'admin-token']) writeFileSync(join(home, f), 'x', { mode: 0o644 });
    mkdirSync(join(home, 'keys'), { mode: 0o755 });
    writeFileSync(join(home, 'keys', 'jwt.key'), 'k', { mode: 0o644 });
    mkdirSync(join(home, 'jobs', 'job_1'), { recursive: true, mode: 0o755 });
    chmodSync(join(home, 'jobs', 'job_1'), 0o700);
    writeFileSync(join(home, 'jobs', 'job_1', 'stdout.log'), 'o', { mode: 0o640 });
    const outside = join(home, '..', `outside-${process.pid}`);
    writeFileSync(outside, 'o', { mode: 0o644 });
    symlinkSync(outside, join(home, 'link'));
    if (process.getuid?.() === 0) chownSync(join(home, 'jobs', 'job_1'), 79_998, 79_998);

    await secureHome(home);
    expect({
      home: mode(home), db: mode(join(home, 'cheomdan.db')), wal: mode(join(home, 'cheomdan.db-wal')),
      token: mode(join(home, 'admin-token')), keys: mode(join(home, 'keys')), key: mode(join(home, 'keys', 'jwt.key')),
      jobs: mode(join(home, 'jobs')), jobDir: mode(join(home, 'jobs', 'job_1')), jobLog: mode(join(home, 'jobs', 'job_1', 'stdout.log')),
      linkTarget: mode(outside),
    }).toEqual({
      home: '711', db: '600', wal: '600', token: '600', keys: '700', key: '600', jobs: '711', jobDir: '700', jobLog: '640', linkTarget: '644',
    });
    if (process.getuid?.() === 0) expect(statSync(join(home, 'jobs', 'job_1')).uid).toBe(79_998);
    expect(await secureHome(home)).toEqual([]); // idempotent
    rmSync(outside);
  });
});

describe('protectServerFiles', () => {
  it('sets umask 077 for what the server creates later (the SQLite -wal appears at the first write)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cheomdan-home-'));
    const before = process.umask();
    try {
      await protectServerFiles(home);
      writeFileSync(join(home, 'cheomdan.db-wal'), 'later');
      expect(mode(join(home, 'cheomdan.db-wal'))).toBe('600');
      expect(mode(home)).toBe('711');
    } finally {
      process.umask(before);
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('isolationMode', () => {
  const cases: Record<string, { uid: number; want: string; says: string }> = {
    root: { uid: 0, want: 'per-user', says: "run as their owners' Unix accounts" },
    'any other user': { uid: 1000, want: 'single-user', says: 'single-user mode: the server runs as uid 1000' },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const info = isolationMode(c.uid, 'cgroup-v1');
      expect(info.mode).toBe(c.want);
      expect(info.description).toContain(c.says);
      expect(info.description).toContain('cgroup-v1');
    });
  }
});

describe('checkSingleOrganization', () => {
  it('refuses members of two organizations in single-user mode, unless allowed', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await openStore({ ...db.options, clock: () => 1 });
    try {
      for (const t of ['a', 'b']) {
        await store.tenants.create({ id: asTenantId(`ten_${t}`), slug: t, name: t, kind: TENANT_KINDS[0], sector: SECTORS[0] });
      }
      await store.users.create({ id: asUserId('usr_op'), email: 'op@x', name: 'op', role: 'operator' });
      await store.users.create({ id: asUserId('usr_a'), email: 'a@x', name: 'a', role: 'member', tenantId: asTenantId('ten_a') });
      await expect(checkSingleOrganization(store, 'single-user')).resolves.toBeUndefined();
      await store.users.create({ id: asUserId('usr_b'), email: 'b@x', name: 'b', role: 'member', tenantId: asTenantId('ten_b') });
      await expect(checkSingleOrganization(store, 'single-user')).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('members of 2 organizations') });
      await expect(checkSingleOrganization(store, 'single-user', true)).resolves.toBeUndefined();
      await expect(checkSingleOrganization(store, 'per-user')).resolves.toBeUndefined();
      await store.users.setDisabled(asUserId('usr_b'), 5);
      await expect(checkSingleOrganization(store, 'single-user')).resolves.toBeUndefined();
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
