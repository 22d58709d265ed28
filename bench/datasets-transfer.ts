/**
 * Issue 10 benchmarks, against a real server process on loopback (embedded: SQLite, filesystem blobs):
 *   (a) one large file uploaded through the HTTP API (tus: creation, 64 MiB PATCHes, commit), as a ratio of
 *       raw sequential disk writes measured in the same run (`dd bs=4M conv=fsync` of the same bytes) —
 *       target ≥ 80%; the server runs as `npm start` runs it (libuv pool of 16 threads; threads=4 compares);
 *   (b) downloading it (every chunk's SHA-256 checked) as a ratio of raw reads (`dd` of the source file;
 *       both from the page cache unless drop-caches is allowed) — target ≥ 80%;
 *   (c) a directory of 10,000 small files with `cheomdan datasets upload` (the CLI, 4 files at a time);
 *   (d) dedup: a second version that changes 1% of a 1 GB dataset (8 files of 128 MB, a region of each
 *       rewritten) stores ~1% new bytes;
 *   (e) materialising a version for a job: submit → running of a job that mounts the large file's version
 *       against one that mounts nothing (the first mount copies it into the cache; a second job reuses it);
 *   (g) memory: the server restarted with a 128 MB V8 heap, another file of the same size uploaded, its RSS
 *       sampled every 20 ms — target flat (a server that buffered the file could not hold it);
 *   (f) the large upload by the CLI with the server killed (-9) mid-way and restarted: the CLI resumes, the
 *       stored SHA-256 matches, and only one complete version is ever visible.
 *
 * Usage: npm run bench -- datasets-transfer [size-mb=2048] [small-files=10000] [dedup-mb=1024] [skip=c,d,e,f,g] [threads=16] [heap-mb=0] [prof=DIR]
 * Environment, for investigating: BENCH_TRACE=1 prints each PATCH's time; BENCH_KEEP=1 keeps the work
 * directory (the server's home, to inspect its database); BENCH_NODE_FLAGS="--flag …" starts the server with
 * those Node flags.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, writeFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`${name}=`) || a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const SIZE = arg('size-mb', 2048) * 1024 * 1024;
const SMALL = arg('small-files', 10_000);
const DEDUP = arg('dedup-mb', 1024) * 1024 * 1024;
const SKIP = new Set((process.argv.find((a) => a.startsWith('skip='))?.split('=')[1] ?? '').split(',').filter(Boolean));
const PATCH = 64 * 1024 * 1024;
const THREADS = arg('threads', 16);
/** The server's V8 heap limit, MB (0: Node's default); the memory run (g) uses 128. */
const HEAP_MB = arg('heap-mb', 0);
/** `prof=DIR`: the server writes a CPU profile there when it stops. */
const PROF = process.argv.find((a) => a.startsWith('prof='))?.split('=')[1];

const work = mkdtempSync(join(tmpdir(), 'chd-bench-ds-'));
const home = join(work, 'home');
const port = 21000 + Math.floor(Math.random() * 20000);
const url = `http://127.0.0.1:${port}`;
const mb = (bytes: number, s: number) => bytes / 1e6 / s;
const fmt = (x: number) => x.toFixed(1);
const log = (s: string) => console.log(s);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function req(method: string, path: string, token: string, headers: Record<string, string | number> = {}, body?: Buffer | NodeJS.ReadableStream | string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((res, rej) => {
    const r = http.request(url + path, { method, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode!, headers: resp.headers, body: Buffer.concat(chunks).toString() }));
    });
    r.on('error', rej);
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) r.end(body);
    else body.pipe(r);
  });
}
const json = async (method: string, path: string, token: string, body?: unknown) => {
  const r = await req(method, path, token, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body || '{}');
};

let server: ChildProcess | undefined;
async function startServer(heapMb = HEAP_MB): Promise<void> {
  server = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), ...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROF)}`] : []), ...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : []), join(ROOT, 'bin/cheomdan.js'), 'serve', '--home', home, '--port', String(port), '--inventory', join(ROOT, 'examples/inventories/demo.yaml')], {
    // As `npm start` runs it (libuv's pool of 16 threads; the default 4 leaves the disk idle): threads=4 to compare.
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CHEOMDAN_LOG_LEVEL: 'warn', UV_THREADPOOL_SIZE: String(THREADS) },
  });
  for (let i = 0; i < 300; i++) {
    if (await fetch(url + '/healthz').then((r) => r.ok).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}
async function stopServer(signal: NodeJS.Signals): Promise<void> {
  const s = server!;
  s.kill(signal);
  await new Promise((r) => s.once('exit', r));
}
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** A file of random bytes (dedup would make zeros free) and its SHA-256. */
function randomFile(path: string, size: number): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'w');
  for (let left = size; left > 0;) {
    const b = randomBytes(Math.min(left, 8 << 20));
    h.update(b);
    writeSync(fd, b);
    left -= b.length;
  }
  closeSync(fd);
  return h.digest('hex');
}
const dd = (args: string[]) => {
  const t = process.hrtime.bigint();
  execFileSync('dd', args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const dropCaches = () => { try { execFileSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' }); return true; } catch { return false; } };

/** tus: creation, sequential PATCHes of 64 MiB from the file; returns seconds. */
async function tusUpload(token: string, file: string, meta: Record<string, string>): Promise<void> {
  const size = statSync(file).size;
  const md = Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');
  const c = await req('POST', '/v1/uploads', token, { 'tus-resumable': '1.0.0', 'upload-length': size, 'upload-metadata': md });
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.body}`);
  const loc = new URL(String(c.headers.location), url).pathname;
  for (let off = 0; off < size || size === 0; off += PATCH) {
    if (size === 0) break;
    const t0 = performance.now();
    const end = Math.min(size, off + PATCH);
    const r = await req('PATCH', loc, token, { 'tus-resumable': '1.0.0', 'upload-offset': off, 'content-type': 'application/offset+octet-stream', 'content-length': end - off },
      createReadStream(file, { start: off, end: end - 1, highWaterMark: 1 << 20 }));
    if (r.status !== 204) throw new Error(`PATCH at ${off}: ${r.status} ${r.body}`);
    if (process.env.BENCH_TRACE) console.error(`PATCH ${off / PATCH}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
}

/** One file uploaded into version 1 of `dataset` and committed, the server's RSS sampled every `sampleMs`. */
async function uploadAndCommit(token: string, file: string, dataset: string, path: string, sha256: string, sampleMs: number) {
  const pid = server!.pid!;
  const rssBefore = rssKb(pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssKb(pid)); }, sampleMs);
  const t0 = performance.now();
  try {
    await tusUpload(token, file, { dataset, path, sha256 });
    await json('POST', `/v1/datasets/${dataset}/versions/1/commit`, token, {});
  } finally {
    clearInterval(sampler);
  }
  return { seconds: (performance.now() - t0) / 1000, rssBefore, rssPeak };
}

function cli(args: string[], token: string, cwd = work) {
  return new Promise<{ code: number; out: string; err: string; seconds: number }>((res) => {
    const t = Date.now();
    const p = spawn(process.execPath, [join(ROOT, 'bin/cheomdan.js'), ...args], { cwd, env: { ...process.env, CHEOMDAN_URL: url, CHEOMDAN_TOKEN: token, CHEOMDAN_CONFIG: join(work, 'cfg.json') } });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('exit', (code) => res({ code: code ?? 1, out, err, seconds: (Date.now() - t) / 1000 }));
  });
}

async function main(): Promise<void> {
  log(`datasets-transfer: large file ${fmt(SIZE / 1e6)} MB, ${SMALL} small files, dedup set ${fmt(DEDUP / 1e6)} MB; work ${work}`);
  mkdirSync(home, { recursive: true });
  await startServer();
  const admin = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  await json('POST', '/v1/tenants', admin, { slug: 'kia-av', name: 'Kia AV', kind: 'enterprise', sector: 'automotive' });
  await json('POST', '/v1/users', admin, { email: 'b@kia-av.example', name: 'b', role: 'owner', tenant: 'kia-av', password: 'correct horse battery' });
  const token = (await json('POST', '/v1/auth/login', '', { email: 'b@kia-av.example', password: 'correct horse battery' })).token as string;

  // (a) large file: dd, then the API, the server's RSS sampled every 50 ms.
  const big = join(work, 'drive.bin');
  const sha = randomFile(big, SIZE);
  const ddWrite = dd([`if=${big}`, `of=${join(work, 'dd.out')}`, 'bs=4M', 'conv=fsync']);
  rmSync(join(work, 'dd.out'));
  await json('POST', '/v1/datasets', token, { name: 'drives', domain: 'automotive' });
  const { seconds: upSeconds, rssBefore, rssPeak } = await uploadAndCommit(token, big, 'drives', 'drive.bin', sha, 50);
  const up = mb(SIZE, upSeconds);
  const raw = mb(SIZE, ddWrite);
  log(`(a) upload ${fmt(SIZE / 1e6)} MB via tus: ${fmt(up)} MB/s; dd conv=fsync ${fmt(raw)} MB/s; ratio ${(up / raw * 100).toFixed(0)}% (target ≥ 80%)`);
  log(`    server RSS: ${fmt(rssBefore / 1024)} MiB before, peak ${fmt(rssPeak / 1024)} MiB during (file ${fmt(SIZE / 1048576)} MiB; libuv pool ${THREADS})`);

  // (b) download vs dd read (both cold when drop_caches is allowed).
  const cold = dropCaches();
  const ddRead = dd([`if=${big}`, 'of=/dev/null', 'bs=4M']);
  dropCaches();
  // curl to /dev/null (the server checks every chunk's SHA-256 on the way); then once more into sha256sum.
  const fileUrl = `${url}/v1/datasets/drives/versions/1/files/drive.bin`;
  const t = performance.now();
  execFileSync('curl', ['-sf', '-o', '/dev/null', '-H', `authorization: Bearer ${token}`, fileUrl]);
  const downSeconds = (performance.now() - t) / 1000;
  const got = execFileSync('sh', ['-c', `curl -sf -H "authorization: Bearer ${token}" ${fileUrl} | sha256sum`]).toString().split(' ')[0];
  if (got !== sha) throw new Error('the downloaded bytes are not the uploaded ones');
  const down = mb(SIZE, downSeconds);
  log(`(b) download (curl): ${fmt(down)} MB/s, every chunk checked by the server, the whole SHA-256 by sha256sum after; dd read ${fmt(mb(SIZE, ddRead))} MB/s; ratio ${(down / mb(SIZE, ddRead) * 100).toFixed(0)}% (target ≥ 80%; ${cold ? 'caches dropped before each' : 'page cache warm for both: drop_caches not allowed'})`);

  // (c) 10,000 small files with the CLI.
  if (!SKIP.has('c')) {
    const dir = join(work, 'frames');
    mkdirSync(dir);
    for (let i = 0; i < SMALL; i++) {
      const sub = join(dir, String(Math.floor(i / 1000)).padStart(2, '0'));
      if (i % 1000 === 0) mkdirSync(sub);
      writeFileSync(join(sub, `f${String(i).padStart(5, '0')}.json`), randomBytes(2048 + (i % 7) * 512));
    }
    const total = Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
    await json('POST', '/v1/datasets', token, { name: 'frames' });
    const r = await cli(['datasets', 'upload', 'frames', '--dataset', 'frames', '--parallel', String(arg('parallel', 4))], token);
    if (r.code !== 0) throw new Error(`small files: ${r.err}`);
    log(`(c) ${SMALL} small files (${fmt(total / 1e6)} MB) by the CLI: ${fmt(r.seconds)} s, ${fmt(SMALL / r.seconds)} files/s, ${fmt(mb(total, r.seconds))} MB/s`);
  }

  // (d) dedup: 8 files, version 2 rewrites 1% of the bytes (a region in each file).
  if (!SKIP.has('d')) {
    await json('POST', '/v1/datasets', token, { name: 'plant-logs', domain: 'energy' });
    const per = Math.floor(DEDUP / 8);
    const files: string[] = [];
    for (let i = 0; i < 8; i++) { files.push(join(work, `log${i}.bin`)); randomFile(files[i]!, per); }
    await json('POST', '/v1/datasets/plant-logs/versions', token, {});
    for (let i = 0; i < 8; i++) await tusUpload(token, files[i]!, { dataset: 'plant-logs', path: `log${i}.bin`, version: '1' });
    await json('POST', '/v1/datasets/plant-logs/versions/1/commit', token, {});
    const region = Math.floor(per / 100);
    for (const f of files) {
      const fd = openSync(f, 'r+');
      writeSync(fd, randomBytes(region), 0, region, Math.floor(per * 0.37));
      closeSync(fd);
    }
    await json('POST', '/v1/datasets/plant-logs/versions', token, {});
    for (let i = 0; i < 8; i++) await tusUpload(token, files[i]!, { dataset: 'plant-logs', path: `log${i}.bin`, version: '2' });
    const v2 = await json('POST', '/v1/datasets/plant-logs/versions/2/commit', token, {});
    log(`(d) dedup: version 2 rewrites ${fmt(region * 8 / 1e6)} MB of ${fmt(per * 8 / 1e6)} MB (${(region * 8 / (per * 8) * 100).toFixed(2)}%); new bytes stored ${fmt(v2.newBytes / 1e6)} MB = ${(v2.newBytes / (per * 8) * 100).toFixed(2)}% (target ~1%)`);
  }

  // (e) materialising: submit → running with and without a mount of the large version.
  if (!SKIP.has('e')) {
    const toRunning = async (body: Record<string, unknown>) => {
      const t0 = performance.now();
      const j = await json('POST', '/v1/jobs', token, { command: ['true'], ...body });
      for (;;) {
        const s = await json('GET', `/v1/jobs/${j.id}`, token);
        if (s.state !== 'pending' && s.state !== 'starting') return { s: (performance.now() - t0) / 1000, state: s.state };
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const plain = await toRunning({});
    const first = await toRunning({ datasets: ['drives'] });
    const again = await toRunning({ datasets: ['drives'] });
    log(`(e) submit → running: no dataset ${fmt(plain.s * 1000)} ms; first mount of ${fmt(SIZE / 1e6)} MB ${fmt(first.s * 1000)} ms (materialising ~${fmt(mb(SIZE, first.s - plain.s))} MB/s); cached ${fmt(again.s * 1000)} ms`);
  }

  // (g) memory: the server restarted with a 128 MB V8 heap, a new file of the same size uploaded.
  if (!SKIP.has('g')) {
    await stopServer('SIGTERM');
    await startServer(128);
    const other = join(work, 'drive-g.bin');
    const shaG = randomFile(other, SIZE);
    await json('POST', '/v1/datasets', token, { name: 'drives-mem' });
    const { seconds: secs, rssBefore: before, rssPeak: peak } = await uploadAndCommit(token, other, 'drives-mem', 'g.bin', shaG, 20);
    rmSync(other);
    log(`(g) memory: V8 heap limited to 128 MB, ${fmt(SIZE / 1048576)} MiB uploaded at ${fmt(mb(SIZE, secs))} MB/s; server RSS ${fmt(before / 1024)} MiB before, peak ${fmt(peak / 1024)} MiB (+${fmt((peak - before) / 1024)} MiB)`);
    await stopServer('SIGTERM');
    await startServer();
  }

  // (f) the CLI uploads the large file again (a new dataset), the server is killed -9 mid-way.
  if (!SKIP.has('f')) {
    // Other bytes than (a)'s: the same file would be stored as (a)'s chunks, deduplicated.
    rmSync(big);
    const big2 = join(work, 'drive-2.bin');
    const sha2 = randomFile(big2, SIZE);
    await json('POST', '/v1/datasets', token, { name: 'drives-2' });
    const before = (await json('GET', '/v1/storage', token)).usedBytes as number;
    const up2 = cli(['datasets', 'upload', big2, '--dataset', 'drives-2'], token);
    while ((await json('GET', '/v1/storage', token)).usedBytes - before < SIZE / 2) await new Promise((r) => setTimeout(r, 100));
    await stopServer('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await startServer();
    const r = await up2;
    if (r.code !== 0) throw new Error(`resumed upload: ${r.err}`);
    const files = await json('GET', '/v1/datasets/drives-2/versions/1/files', token);
    const versions = (await json('GET', '/v1/datasets/drives-2', token)).versions;
    const ok = files.items[0]?.sha256 === sha2 && versions.length === 1 && versions[0].state === 'committed';
    log(`(f) kill -9 mid-upload of ${fmt(SIZE / 1e6)} MB: the CLI ${/resumed/.test(r.out) ? 'resumed' : 'did NOT say it resumed'} and finished in ${fmt(r.seconds)} s; SHA-256 ${files.items[0]?.sha256 === sha2 ? 'matches' : 'DIFFERS'}; versions ${JSON.stringify(versions.map((v: { number: number; state: string }) => `${v.number}:${v.state}`))} ${ok ? 'OK' : 'FAIL'}`);
  }
  await stopServer('SIGTERM');
}

main().then(() => { if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true }); else console.error(`kept ${work}`); }, (e) => {
  console.error(e);
  server?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
