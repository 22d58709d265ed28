/**
 * Portal time to first render with a big store: navigation start → the first job row of the page's table
 * in the DOM, in headless Chromium, for the dashboard and the jobs page, as the operator (sees all jobs)
 * and as the tenant owner whose organization submitted them.
 *
 *   node --import tsx bench/portal-render.ts [--jobs=100000] [--runs=5]
 *
 * Setup (deterministic): a server on a temp home with the demo inventory creates the operator; a tenant
 * "bench-ai" with an owner is made through the API; the server stops and `--jobs` jobs are written
 * straight into its SQLite store in one transaction (seq order = submission order): per 100 jobs,
 * 2 pending (4 × H100 each, so two of them start and the rest wait with a reason), 85 succeeded,
 * 8 failed, 3 cancelled, 2 timed out. The server then restarts on that store and every run opens the
 * page in a fresh browser context (empty HTTP cache, token put in sessionStorage before the page loads),
 * so each number includes downloading and parsing the portal's JavaScript. Target (issue 6): < 1 s.
 * Requires web/dist (built here if missing or stale) and Chromium at /usr/bin/chromium.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, type RunningServer } from '../src/server/start.ts';
import { asJobId, asPartition, asAcceleratorType } from '../src/core/ids.ts';
import type { JobState } from '../src/core/jobState.ts';
import { openStore } from '../src/store/index.ts';
import type { NewJob } from '../src/store/records.ts';
import { DEMO_INVENTORY } from '../test/helpers/server.ts';
import { CHROMIUM, ensurePortalBuilt } from '../test/portal/harness.ts';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const JOBS = Number(arg('jobs', '100000'));
const SKIP_RENDER = process.argv.includes('--scroll-only');
const RUNS = Number(arg('runs', '5'));

const STATES: [JobState, number][] = [['pending', 2], ['succeeded', 85], ['failed', 8], ['cancelled', 3], ['timed_out', 2]];
const stateOf = (i: number): JobState => {
  let r = i % 100;
  for (const [s, n] of STATES) {
    if (r < n) return s;
    r -= n;
  }
  return 'succeeded';
};

const boot = (home: string) => startServer({ host: '127.0.0.1', port: 0, home, inventoryPath: DEMO_INVENTORY, logLevel: 'silent' });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(url: string, token: string | null, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : null,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function seed(home: string, tenantSlug: string): Promise<number> {
  const store = await openStore({ sqlitePath: join(home, 'cheomdan.db') });
  try {
    const tenant = (await store.tenants.getBySlug(tenantSlug))!;
    const project = (await store.projects.listByTenant(tenant.id))[0]!;
    const user = (await store.users.listByTenant(tenant.id))[0]!;
    const t0 = performance.now();
    const base = Date.parse('2026-11-01T00:00:00Z');
    await store.transaction(async (tx) => {
      for (let i = 0; i < JOBS; i++) {
        const state = stateOf(i);
        const submittedAt = base + i * 20_000;
        const ended = state !== 'pending';
        const job: NewJob = {
          id: asJobId(`job_bench${i.toString(36).padStart(6, '0')}`), tenantId: tenant.id, projectId: project.id, userId: user.id,
          name: `train-${i}`, partition: asPartition('gpu'), state,
          script: '#!/bin/bash\nexec sleep 3600\n', workingDirectory: join(home, 'jobs', `bench-${i}`),
          request: { tasks: 1, devicesPerTask: 4, acceleratorTypes: [asAcceleratorType('nvidia-h100-sxm-80gb')], cpusPerTask: 8, memoryMbPerTask: 65_536, timeLimitSeconds: 4 * 3600 },
          stdoutPath: join(home, 'jobs', `bench-${i}`, 'stdout.log'), stderrPath: join(home, 'jobs', `bench-${i}`, 'stderr.log'),
          submittedAt,
          startedAt: ended && state !== 'cancelled' ? submittedAt + 60_000 : null,
          endedAt: ended ? submittedAt + 3_600_000 : null,
          exitCode: state === 'succeeded' ? 0 : state === 'failed' ? 1 : null,
          failureReason: state === 'failed' ? 'exit code 1' : state === 'timed_out' ? 'time limit reached' : null,
          pendingReason: state === 'pending' ? 'not_yet_scheduled' : null,
          acceleratorType: ended && state !== 'cancelled' ? asAcceleratorType('nvidia-h100-sxm-80gb') : null,
          attempt: ended && state !== 'cancelled' ? 1 : 0,
        };
        await tx.jobs.insert(job);
      }
    });
    return performance.now() - t0;
  } finally {
    await store.close();
  }
}

interface Measure {
  firstRowMs: number;
  jobsApiMs: number;
}

async function measure(url: string, token: string, hash: string, tableTestId: string): Promise<Measure> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'en-GB' });
    // Runs in the page before its scripts: log in, and record when the first data row of the table
    // appears (performance.now() counts from navigation start). A string, as it runs in the browser.
    await context.addInitScript({
      content: `
        sessionStorage.setItem('cheomdan.token', ${JSON.stringify(token)});
        const sel = '[data-testid="${tableTestId}"] .vt-body [role=row]';
        const obs = new MutationObserver(() => {
          if (document.querySelector(sel)) { window.__firstRow = performance.now(); obs.disconnect(); }
        });
        document.addEventListener('DOMContentLoaded', () => obs.observe(document.body, { childList: true, subtree: true }));`,
    });
    const page = await context.newPage();
    await page.goto(`${url}/#/${hash}`);
    await page.waitForFunction(`typeof window.__firstRow === 'number'`, null, { timeout: 30_000 });
    const r = (await page.evaluate(`({
      firstRowMs: window.__firstRow,
      jobsApiMs: Math.max(0, ...performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/jobs?')).map((e) => e.responseEnd - e.startTime)),
      trace: [['dcl', performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd], ...performance.getEntriesByType('resource').map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseEnd)])],
    })`)) as Measure;
    if (process.env.PORTAL_BENCH_TRACE) console.log(JSON.stringify(r));
    await context.close();
    return r;
  } finally {
    await browser.close();
  }
}

/**
 * Scrolls the jobs page until `pages` pages (200 rows each) are loaded through the cursor, and reports
 * the time per page and how many rows exist in the DOM at the end (the windowing keeps it constant).
 */
async function scrollJobs(url: string, token: string, pages: number): Promise<{ loaded: number; msPerPage: number; domRows: number }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    await context.addInitScript({ content: `sessionStorage.setItem('cheomdan.token', ${JSON.stringify(token)});` });
    const page = await context.newPage();
    await page.goto(`${url}/#/jobs`);
    const body = page.locator('[data-testid=jobs-table] .vt-body');
    await body.locator('[role=row]').first().waitFor();
    const loadedText = () => page.locator('form.filters [role=status]').innerText();
    const count = async () => Number((await loadedText()).replace(/[^0-9]/g, ''));
    const t0 = performance.now();
    for (let want = 400; want <= pages * 200; want += 200) {
      await body.hover();
      await page.mouse.wheel(0, 1_000_000); // as a reader scrolling to the end
      await page.waitForFunction(`Number(document.querySelector('form.filters [role=status]').innerText.replace(/[^0-9]/g, '')) >= ${want}`, null, { timeout: 20_000 })
        .catch(async (e) => { throw new Error(`stuck at "${await loadedText()}" waiting for ${want} rows`, { cause: e }); });
    }
    const ms = performance.now() - t0;
    const domRows = await body.locator('[role=row]').count();
    return { loaded: await count(), msPerPage: ms / (pages - 1), domRows };
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  await ensurePortalBuilt();
  const home = await mkdtemp(join(tmpdir(), 'cheomdan-portal-bench-'));
  let server: RunningServer | null = null;
  try {
    server = await boot(home);
    const adminToken = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    await api(server.url, adminToken, 'POST', '/v1/tenants', { slug: 'bench-ai', name: 'Bench AI', kind: 'startup' });
    await api(server.url, adminToken, 'POST', '/v1/users', { email: 'owner@bench-ai.example', name: 'Bench owner', role: 'owner', tenant: 'bench-ai', password: 'correct horse battery' });
    await server.close();
    server = null;

    const seedMs = await seed(home, 'bench-ai');
    console.log(`seeded ${JOBS} jobs in ${(seedMs / 1000).toFixed(1)} s (one transaction)`);

    const t0 = performance.now();
    server = await boot(home);
    console.log(`server restarted on the seeded store in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const ownerToken = (await api(server.url, null, 'POST', '/v1/auth/login', { email: 'owner@bench-ai.example', password: 'correct horse battery' })).token as string;
    // Let the first scheduling cycle start what fits and explain the rest, as on a live server.
    await new Promise((r) => setTimeout(r, 2000));

    // The list calls the two pages make, timed from Node (server + store, no browser), median of RUNS.
    const calls = ['state=running,starting&limit=100', 'state=pending,preempted&limit=100', 'state=failed,timed_out&limit=10', 'limit=200'];
    const apiRows: string[] = [];
    for (const [who, token] of [['operator', adminToken], ['tenant owner', ownerToken]] as const) {
      for (const q of calls) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          await api(server.url, token, 'GET', `/v1/jobs?${q}`);
          times.push(performance.now() - t);
        }
        apiRows.push(`| \`GET /v1/jobs?${q}\` | ${who} | ${median(times).toFixed(1)} |`);
      }
    }
    console.log(`| call | as | median (ms) |\n|---|---|---|\n${apiRows.join('\n')}\n`);

    const rows: string[] = [];
    for (const [who, token] of SKIP_RENDER ? [] : [['operator', adminToken], ['tenant owner', ownerToken]] as const) {
      for (const [pageName, hash, table] of [['dashboard', 'dashboard', 'running-table'], ['jobs', 'jobs', 'jobs-table']] as const) {
        const ms: Measure[] = [];
        for (let i = 0; i < RUNS; i++) ms.push(await measure(server.url, token, hash, table));
        const first = ms.map((m) => m.firstRowMs);
        const apiMs = ms.map((m) => m.jobsApiMs);
        const row = `| ${pageName} | ${who} | ${median(first).toFixed(0)} | ${Math.min(...first).toFixed(0)} | ${Math.max(...first).toFixed(0)} | ${median(apiMs).toFixed(0)} |`;
        console.log(row);
        rows.push(row);
      }
    }
    console.log(`\njobs=${JOBS} runs=${RUNS}\n| page | as | first row, median (ms) | min | max | slowest /v1/jobs call, median (ms) |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
    const sc = await scrollJobs(server.url, adminToken, 25);
    console.log(`\njobs page, operator, scrolled through ${sc.loaded} rows (25 pages of 200 via the cursor): ${sc.msPerPage.toFixed(0)} ms per page (fetch + render), ${sc.domRows} rows in the DOM at the end`);
    // Stop what the bench's pending jobs started.
    const running = (await api(server.url, adminToken, 'GET', '/v1/jobs?state=starting,running&limit=500')).items as { id: string }[];
    for (const j of running) await api(server.url, adminToken, 'POST', `/v1/jobs/${j.id}/cancel`).catch(() => {});
  } finally {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
