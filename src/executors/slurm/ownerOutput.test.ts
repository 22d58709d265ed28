import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareOwnerOutput } from './ownerOutput.ts';

const root = process.getuid?.() === 0;
const nobody = { userName: 'nobody', uid: 65534, gid: 65534 };

describe.skipIf(!root)('prepareOwnerOutput (as root)', () => {
  let base = '';
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("gives the log directory to the owner (0700) and makes the server's directories above it traversable, not readable", async () => {
    base = mkdtempSync(join(tmpdir(), 'chd-owner-out-'));
    const home = join(base, 'home');
    const dir = join(home, 'jobs', 'job_1');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
    chmodSync(join(home, 'jobs'), 0o700);
    chmodSync(base, 0o755);
    await prepareOwnerOutput([join(dir, 'stdout.log'), join(dir, 'stderr.log')], nobody, { root: home });
    const d = statSync(dir);
    expect([d.uid, d.gid, d.mode & 0o777]).toEqual([65534, 65534, 0o700]);
    expect(statSync(join(home, 'jobs')).mode & 0o777).toBe(0o701);
    expect(statSync(home).mode & 0o777).toBe(0o701);
    expect(statSync(base).mode & 0o777).toBe(0o755);
  });

  it('changes nothing above the output root: a directory there others cannot traverse is refused with what to do', async () => {
    base = mkdtempSync(join(tmpdir(), 'chd-owner-out-'));
    const home = join(base, 'home');
    const dir = join(home, 'jobs', 'job_1');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(base, 0o700);
    await expect(prepareOwnerOutput([join(dir, 'stdout.log')], nobody, { root: home }))
      .rejects.toThrow(new RegExp(`because ${base} \\(above the server's home ${home}\\) is not searchable by others \\(mode 0700\\); put CHEOMDAN_HOME where every user can traverse`));
    expect(statSync(base).mode & 0o777).toBe(0o700);
  });

  it('refuses a log directory outside the output root, changing nothing', async () => {
    base = mkdtempSync(join(tmpdir(), 'chd-owner-out-'));
    mkdirSync(join(base, 'home'));
    mkdirSync(join(base, 'elsewhere'), { mode: 0o755 });
    await expect(prepareOwnerOutput([join(base, 'elsewhere', 'stdout.log')], nobody, { root: join(base, 'home') }))
      .rejects.toThrow(/is not under the server's output root/);
    expect(statSync(join(base, 'elsewhere')).uid).toBe(0);
    await expect(prepareOwnerOutput(['/tmp/stdout.log'], nobody, { root: join(base, 'home') })).rejects.toThrow(/not under/);
    expect(statSync('/tmp').uid).toBe(0);
  });

  it('refuses a log directory that is a symlink, changing nothing behind it', async () => {
    base = mkdtempSync(join(tmpdir(), 'chd-owner-out-'));
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    await expect(prepareOwnerOutput([join(base, 'link', 'stdout.log')], nobody, { root: base })).rejects.toThrow(/is not a directory \(a symlink is not followed\)/);
    expect(statSync(join(base, 'real')).uid).toBe(0);
  });
});
