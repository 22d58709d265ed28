/**
 * Portal test harness: the built portal (web/dist, rebuilt with Vite's JS API when missing or older than
 * its sources), a real server (test/helpers/server.ts: startServer on a random port, temp home, demo
 * inventory), and Debian's headless Chromium driven by playwright-core with a fresh profile.
 * Screenshots go to test-artifacts/portal/<name>.png.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../helpers/server.ts';

export const WEB = join(ROOT, 'web');
export const DIST = join(WEB, 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'portal');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or older than web/src, web/index.html or the contract it bundles. */
export function portalIsStale(): boolean {
  const index = join(DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = Math.max(newestMtime(join(WEB, 'src')), statSync(join(WEB, 'index.html')).mtimeMs, newestMtime(join(ROOT, 'src', 'contract')));
  return sources > built;
}

/**
 * Builds the portal once if needed. Test files run in parallel workers, so a lock directory (mkdir is
 * atomic) makes one of them build while the others wait; a lock older than 3 minutes is a dead worker's.
 */
export async function ensurePortalBuilt(): Promise<void> {
  const lock = join(tmpdir(), 'cheomdan-portal-build.lock');
  for (;;) {
    if (!portalIsStale()) return;
    try {
      mkdirSync(lock);
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!portalIsStale()) return;
      await buildPortal();
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * `vite build web` through Vite's JS API. Vitest sets NODE_ENV=test, and Vite builds React's development
 * bundle (1.6x larger, StrictMode double effects) unless NODE_ENV says production: set it for the build.
 */
export async function buildPortal(): Promise<void> {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const { build } = await import('vite');
    await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests seen by the page, for assertions and for debugging a failure. */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile (a temp user-data dir, removed on close). */
export async function launchBrowser(opts: { locale?: string; colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // A fresh machine: install Debian's chromium the way scripts/postgres-test.sh installs PostgreSQL.
    execFileSync('bash', [join(import.meta.dirname, '..', '..', 'scripts', 'chromium-test.sh')], { stdio: 'inherit' });
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'cheomdan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 860 },
    locale: opts.locale ?? 'en-GB',
    colorScheme: opts.colorScheme ?? 'light',
    timezoneId: 'Asia/Seoul',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context, page, errors,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs in through the form (password tab), and waits for the dashboard. Forgets any earlier session. */
export async function loginWithPassword(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url + '/');
  await page.evaluate(`sessionStorage.clear(); localStorage.removeItem('cheomdan.token')`);
  await page.reload();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
