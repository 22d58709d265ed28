/**
 * Datasets through the portal, as a hospital's data steward uses it: create a dataset (a bad name is named
 * on the form, nothing is made), drop files and a folder, watch them arrive, commit, browse the version's
 * directories and download a file (the same bytes); a large upload interrupted by a page reload resumes
 * from the server's offset when the same file is chosen again; a member without a grant sees a restricted
 * dataset's versions but not its content. Screenshots in English and Korean.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, tenantWithOwner, waitFor, type Client, type TestServer } from '../helpers/server.ts';
import { ensurePortalBuilt, launchBrowser, loginWithPassword, screenshot, type Browser } from './harness.ts';

let s: TestServer;
let b: Browser;
let admin: Client;
let owner: { email: string; owner: Client };
let work = '';

beforeAll(async () => {
  await ensurePortalBuilt();
  s = await startTestServer();
  admin = client(s.url, s.adminToken);
  owner = await tenantWithOwner(s.url, admin, 'snuh');
  expect((await admin.post('/v1/users', { email: 'resident@snuh.example', name: 'Resident Kim', role: 'member', tenant: 'snuh', password: 'correct horse battery' })).status).toBe(201);
  work = mkdtempSync(join(tmpdir(), 'chd-portal-ds-'));
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await b?.close();
  await s?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

describe('portal: datasets', () => {
  it('creates a dataset, uploads by drop and by file choice, commits, browses and downloads', async () => {
    const { page } = b;
    await loginWithPassword(page, s.url, owner.email, 'correct horse battery');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('heading', { name: 'Datasets', exact: true }).waitFor();
    await page.getByLabel('Dataset', { exact: true }).fill('chest xray');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await expect.poll(() => page.locator('#dc-name-error').innerText()).toMatch(/letters, digits/);
    expect((await owner.owner.get('/v1/datasets')).body.items).toEqual([]);
    await page.getByLabel('Dataset', { exact: true }).fill('chest-xray');
    await page.getByLabel('Domain').selectOption('healthcare');
    await page.getByLabel('Description').fill('Frontal chest radiographs, 2019–2024');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.getByRole('heading', { name: 'snuh/chest-xray' }).waitFor();

    // A drop of two files (a DataTransfer made in the page), then one chosen with the file input.
    const a = randomBytes(300_000);
    const c = Buffer.from('id,label\n1,normal\n2,effusion\n');
    await page.evaluate(async ({ a64, c64 }) => {
      // Runs in the page (DOM types are not this file's): a drop with two files, as a browser makes it.
      const w = globalThis as unknown as { DataTransfer: new () => any; File: new (parts: unknown[], name: string) => unknown; DragEvent: new (type: string, init: unknown) => unknown; document: { querySelector(s: string): { dispatchEvent(e: unknown): void } } };
      const dt = new w.DataTransfer();
      const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      dt.items.add(new w.File([bytes(a64)], 'p0001.dcm'));
      dt.items.add(new w.File([bytes(c64)], 'labels.csv'));
      w.document.querySelector('[data-testid="dropzone"]').dispatchEvent(new w.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, { a64: a.toString('base64'), c64: c.toString('base64') });
    await page.locator('[data-upload="labels.csv"][data-state="done"]').waitFor();
    await page.locator('[data-upload="p0001.dcm"][data-state="done"]').waitFor();
    const extra = randomBytes(50_000);
    await page.getByTestId('file-input').setInputFiles({ name: 'p0002.dcm', mimeType: 'application/dicom', buffer: extra });
    await page.locator('[data-upload="p0002.dcm"][data-state="done"]').waitFor();
    await screenshot(page, 'dataset-upload');
    await page.getByPlaceholder('What changed (optional)').fill('first three studies');
    await page.getByRole('button', { name: 'Commit version 1' }).click();
    await page.getByTestId('versions-table').locator('tr[data-version="1"]').getByText('Committed', { exact: true }).waitFor();
    const d = (await owner.owner.get('/v1/datasets/chest-xray')).body;
    expect(d.versions[0]).toMatchObject({ number: 1, state: 'committed', fileCount: 3, message: 'first three studies' });
    const files = (await owner.owner.get('/v1/datasets/chest-xray/versions/1/files')).body.items;
    expect(files.find((f: { path: string }) => f.path === 'p0001.dcm').sha256).toBe(sha(a));

    // Download from the file browser: the same bytes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('files-table').getByRole('button', { name: 'Download labels.csv' }).click(),
    ]);
    const saved = join(work, 'labels.csv');
    await download.saveAs(saved);
    expect(readFileSync(saved).equals(c)).toBe(true);
    await screenshot(page, 'dataset-detail');
  }, 120_000);

  it('browses directories of a version (a folder uploaded through the API), in Korean too', async () => {
    const { page } = b;
    const api = owner.owner;
    expect((await api.post('/v1/datasets/chest-xray/versions', {})).status).toBe(201);
    const token = api.token;
    for (const p of ['studies/2024/p1.dcm', 'studies/2024/p2.dcm', 'studies/2023/p0.dcm']) {
      const body = Buffer.from(p);
      const meta = `dataset ${Buffer.from('chest-xray').toString('base64')},path ${Buffer.from(p).toString('base64')},version ${Buffer.from('2').toString('base64')}`;
      const c = await fetch(`${s.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': String(body.length), 'upload-metadata': meta } });
      const loc = c.headers.get('location')!;
      const r = await fetch(new URL(loc, s.url), { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body });
      expect(r.status).toBe(204);
    }
    expect((await api.post('/v1/datasets/chest-xray/versions/2/commit', {})).status).toBe(200);
    const id = (await api.get('/v1/datasets/chest-xray')).body.id;
    await page.goto(`${s.url}/#/datasets/${id}?v=2`);
    await page.reload(); // the same page was open: load the version committed meanwhile
    await page.getByTestId('files-table').locator('[data-dir="studies"]').getByRole('link').click();
    await page.getByTestId('files-table').locator('[data-dir="2024"]').getByRole('link').click();
    await page.getByTestId('files-table').locator('[data-file="studies/2024/p1.dcm"]').waitFor();
    await expect.poll(() => page.getByTestId('breadcrumb').innerText()).toBe('chest-xray / studies / 2024');
    await page.getByTestId('lang').selectOption('ko');
    await page.getByRole('heading', { name: '버전 2의 파일' }).waitFor();
    await screenshot(page, 'dataset-browse-ko');
    await page.goto(`${s.url}/#/datasets`);
    await page.getByTestId('datasets-table').waitFor();
    await screenshot(page, 'datasets-ko');
    await page.getByTestId('lang').selectOption('en');
  }, 60_000);

  it('a large upload cut by a page reload resumes from the server\'s offset when the file is chosen again', async () => {
    const { page } = b;
    const api = owner.owner;
    expect((await api.post('/v1/datasets', { name: 'ct-volumes', domain: 'healthcare' })).status).toBe(201);
    const id = (await api.get('/v1/datasets/ct-volumes')).body.id;
    const big = randomBytes(150 * 1024 * 1024);
    const file = join(work, 'volume.nii');
    writeFileSync(file, big);
    await page.goto(`${s.url}/#/datasets/${id}`);
    await page.getByTestId('file-input').setInputFiles(file);
    // Several 16 MiB requests are stored (their chunks are counted as they arrive): reload mid-way.
    await waitFor(() => api.get('/v1/storage'), (r) => r.body.usedBytes > 70e6, 60_000, 'the first PATCH to be stored');
    await page.reload();
    await page.getByRole('heading', { name: 'snuh/ct-volumes' }).waitFor();
    await page.getByText('Files go into open version 1').waitFor();
    await page.getByTestId('file-input').setInputFiles(file);
    await page.locator('[data-upload="volume.nii"][data-state="done"]').waitFor({ timeout: 90_000 });
    await page.locator('[data-upload="volume.nii"]').getByText('(resumed)').waitFor();
    await page.getByRole('button', { name: 'Commit version 1' }).click();
    await page.getByTestId('versions-table').locator('tr[data-version="1"]').getByText('Committed', { exact: true }).waitFor();
    const f = (await api.get('/v1/datasets/ct-volumes/versions/1/files')).body.items;
    expect(f).toEqual([{ path: 'volume.nii', size: big.length, sha256: sha(big) }]);
  }, 180_000);

  it('a member without a grant sees a restricted dataset\'s versions, not its content', async () => {
    const { page } = b;
    // (A resumed upload's first request may meet the old page's request still running: a 409 the client retries.)
    b.errors.length = 0;
    const api = owner.owner;
    expect((await api.post('/v1/datasets', { name: 'ehr-notes', sensitivity: 'restricted', domain: 'healthcare' })).status).toBe(201);
    await loginWithPassword(page, s.url, 'resident@snuh.example', 'correct horse battery');
    await page.goto(`${s.url}/#/datasets`);
    await page.getByTestId('datasets-table').getByRole('link', { name: 'ehr-notes' }).click();
    await page.getByText('This dataset is restricted').waitFor();
    expect(await page.getByTestId('upload').count()).toBe(0);
    await screenshot(page, 'dataset-restricted');
    expect(b.errors.filter((e) => !/401|403|404/.test(e))).toEqual([]);
  }, 60_000);
});
