/**
 * `cheomdan datasets …`: datasets and their versions over the API (issue 10).
 *
 *   cheomdan datasets create chest-xray --domain healthcare --sensitivity restricted
 *   cheomdan datasets upload ./scans labels.csv --dataset chest-xray     a new version: the latest plus these files
 *   cheomdan datasets append plant-logs today/*.parquet                 the next version, never replacing a file
 *   cheomdan datasets download chest-xray@2 -o ./data
 *   cheomdan datasets share chest-xray --org hyundai-lab | --user nurse@hospital.example [--revoke]
 *
 * Uploads are tus: a broken connection or a restarted server is resumed from where the server got to,
 * and running the command again resumes what an interrupted run left.
 */
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { Dataset, DatasetDetail, DatasetVersion, FileList, StorageUsage } from '../../contract/index.ts';
import { formatBytes, parseDatasetRef } from '../../core/datasets.ts';
import type { CheomdanClient } from '../client.ts';
import { credentialsPath } from '../config.ts';
import { CommandFailed, type Cli } from '../context.ts';
import { formatTime, table } from '../format.ts';
import { downloadFile, expandPaths, sha256File, uploadFile, UploadState } from '../transfer.ts';
import { Progress } from '../progress.ts';

const enc = encodeURIComponent;

function refOf(text: string): { name: string; version: number | null } {
  const r = parseDatasetRef(text);
  if ('error' in r) throw new CommandFailed(r.error);
  if (r.mount !== null) throw new CommandFailed(`"${text}": a mount path (:${r.mount}) belongs to \`submit --dataset\`, not here`);
  return { name: r.org ? `${r.org}/${r.name}` : r.name, version: r.version };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function registerDatasets(program: Command, cli: Cli): void {
  const ds = program.command('datasets').description('datasets: immutable versions, resumable uploads, sharing (docs/datasets.md)');
  const client = () => cli.client();
  const req = async <S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown) => (await client()).request(method, path, schema, body);

  ds.command('create').description('create a dataset in your organization').argument('<name>')
    .option('--description <text>').option('--domain <sector>', 'healthcare, automotive, energy or other', 'other')
    .option('--licence <id>', 'SPDX id or a short name', 'proprietary')
    .option('--sensitivity <level>', 'public, internal or restricted (grants only, audited, encrypted)', 'internal')
    .option('--visibility <who>', 'organization, shared or public', 'organization')
    .option('--project <slug>').option('--org <slug>', 'operators: the organization it belongs to')
    .action(async (name: string, f: Record<string, string | undefined>) => {
      const d = await req('POST', '/v1/datasets', DatasetDetail, {
        name, domain: f.domain, licence: f.licence, sensitivity: f.sensitivity, visibility: f.visibility,
        ...(f.description ? { description: f.description } : {}), ...(f.project ? { project: f.project } : {}), ...(f.org ? { organization: f.org } : {}),
      });
      if (cli.json) return cli.printJson(d);
      cli.out(`dataset ${d.organization.slug}/${d.name} (${d.id}): created, ${d.sensitivity}; upload files with \`cheomdan datasets upload PATH… --dataset ${d.name}\``);
    });

  ds.command('list').alias('ls').description('datasets you can see: your organization\'s, shared with it, public')
    .action(async () => {
      const r = await req('GET', '/v1/datasets', z.object({ items: z.array(Dataset) }));
      if (cli.json) return cli.printJson(r.items);
      if (r.items.length === 0) return cli.out('no datasets yet; create one with `cheomdan datasets create NAME`');
      cli.out(table(r.items, [
        { header: 'NAME', get: (d) => d.name }, { header: 'ORGANIZATION', get: (d) => d.organization.slug }, { header: 'VERSION', get: (d) => (d.latestVersion === null ? '-' : `v${d.latestVersion}`) },
        { header: 'FILES', get: (d) => String(d.fileCount) }, { header: 'SIZE', get: (d) => formatBytes(d.totalBytes) }, { header: 'DOMAIN', get: (d) => d.domain },
        { header: 'SENSITIVITY', get: (d) => d.sensitivity }, { header: 'VISIBILITY', get: (d) => d.visibility }, { header: 'ACCESS', get: (d) => (d.access.write ? 'read-write' : d.access.read ? 'read' : 'metadata') },
      ], 160));
    });

  ds.command('show').description('a dataset, its versions and who else reads it; --files lists a version\'s files').argument('<name[@version]>')
    .option('--files', 'list the files of the version (default: the latest)').option('--prefix <dir>', 'with --files: only under this directory')
    .action(async (text: string, f: { files?: boolean; prefix?: string }) => {
      const ref = refOf(text);
      const d = await req('GET', `/v1/datasets/${enc(ref.name)}`, DatasetDetail);
      if (f.files) {
        const items: z.infer<typeof FileList>['items'] = [];
        let after: string | null = null;
        do {
          const q = new URLSearchParams({ limit: '10000', ...(after !== null ? { after } : {}), ...(f.prefix ? { prefix: f.prefix } : {}) });
          const page: z.infer<typeof FileList> = await req('GET', `/v1/datasets/${enc(ref.name)}/versions/${ref.version ?? 'latest'}/files?${q}`, FileList);
          items.push(...page.items);
          after = page.next;
        } while (after !== null);
        if (cli.json) return cli.printJson(items);
        return cli.out(table(items, [{ header: 'PATH', get: (x) => x.path, max: 100 }, { header: 'SIZE', get: (x) => formatBytes(x.size) }, { header: 'SHA-256', get: (x) => x.sha256.slice(0, 16) }], 160));
      }
      if (cli.json) return cli.printJson(d);
      cli.out([
        `Dataset    ${d.organization.slug}/${d.name} (${d.id})${d.project ? ` · project ${d.project}` : ''}`,
        `           ${d.domain} · ${d.licence} · ${d.sensitivity} · visible to: ${d.visibility} · you may ${d.access.write ? 'read and write' : d.access.read ? 'read' : 'see its metadata only'}`,
        ...(d.description ? [`           ${d.description}`] : []),
        `Latest     ${d.latestVersion === null ? 'no committed version' : `v${d.latestVersion}: ${d.fileCount} files, ${formatBytes(d.totalBytes)}`}`,
        ...(d.storage.quotaBytes > 0 ? [`Storage    ${formatBytes(d.storage.usedBytes)} of ${formatBytes(d.storage.quotaBytes)} used by the organization`] : []),
        ...d.sharedWith.map((a) => `Shared     ${a.kind} ${a.name} since ${formatTime(a.createdAt)}`),
      ].join('\n'));
      if (d.versions.length > 0) {
        cli.out(table(d.versions, [
          { header: 'VERSION', get: (v) => `v${v.number}` }, { header: 'STATE', get: (v) => v.state }, { header: 'FROM', get: (v) => (v.parent === null ? '-' : `v${v.parent}`) },
          { header: 'FILES', get: (v) => String(v.fileCount) }, { header: 'SIZE', get: (v) => formatBytes(v.totalBytes) }, { header: 'NEW', get: (v) => formatBytes(v.newBytes) },
          { header: 'COMMITTED', get: (v) => (v.committedAt ? formatTime(v.committedAt) : '-') }, { header: 'MESSAGE', get: (v) => v.message || (v.sourceJob ? `output of ${v.sourceJob}` : ''), max: 50 },
        ], 160));
      }
    });

  const transfer = async (c: CheomdanClient, name: string, paths: string[], f: { version?: string; message?: string; empty?: boolean; commit?: boolean; prefix?: string; parallel?: string }, mode: 'upload' | 'append') => {
    const files = await expandPaths(paths.map((p) => resolve(cli.io.cwd, p))).catch((e: Error) => { throw new CommandFailed(e.message); });
    const prefix = f.prefix ? f.prefix.replace(/^\/+|\/+$/g, '') : '';
    const items = files.map((x) => ({ ...x, rel: prefix ? `${prefix}/${x.rel}` : x.rel }));
    if (items.length === 0) throw new CommandFailed('no files to upload under the paths given');
    let version: z.infer<typeof DatasetVersion>;
    if (f.version !== undefined) {
      const d = await c.request('GET', `/v1/datasets/${enc(name)}`, DatasetDetail);
      const v = d.versions.find((x) => x.number === Number(f.version));
      if (!v || v.state !== 'open') throw new CommandFailed(`version ${f.version} of ${name} is not open; leave out --version to start a new one`);
      version = v;
    } else {
      if (mode === 'append') {
        // Append never replaces: refuse (before any byte) paths the latest version has.
        const d = await c.request('GET', `/v1/datasets/${enc(name)}`, DatasetDetail);
        if (d.latestVersion !== null) {
          const taken: string[] = [];
          for (const it of items) {
            const q = new URLSearchParams({ prefix: it.rel, limit: '1' });
            const page = await c.request('GET', `/v1/datasets/${enc(name)}/versions/${d.latestVersion}/files?${q}`, FileList);
            if (page.items[0]?.path === it.rel) taken.push(it.rel);
          }
          if (taken.length > 0) throw new CommandFailed(`append never replaces files, and v${d.latestVersion} of ${name} has ${taken.slice(0, 5).join(', ')}${taken.length > 5 ? ` and ${taken.length - 5} more` : ''}; rename them, or use \`datasets upload\` to replace`);
        }
      }
      version = await c.request('POST', `/v1/datasets/${enc(name)}/versions`, DatasetVersion, { empty: Boolean(f.empty), message: f.message ?? '' });
    }
    const total = items.reduce((s, x) => s + x.size, 0);
    const progress = new Progress(cli.io.stderr, total, `${name} v${version.number}`);
    const done = new Map<string, number>();
    const state = new UploadState(join(dirname(credentialsPath(cli.io.env)), 'uploads.json'));
    let resumed = 0;
    try {
      await mapLimit(items, Math.max(1, Number(f.parallel ?? 4)), async (it) => {
        const sha = await sha256File(it.abs);
        const r = await uploadFile(c, it.abs, { dataset: name, version: version.number, path: it.rel }, state, (n) => {
          done.set(it.rel, n);
          progress.update([...done.values()].reduce((s, x) => s + x, 0));
        }, { sha256: sha });
        resumed += r.resumedAt;
      });
    } finally {
      progress.stop();
    }
    if (f.commit === false) {
      if (cli.json) return cli.printJson(version);
      return cli.out(`${name} v${version.number}: ${items.length} files uploaded (${formatBytes(total)}), not committed; commit with \`cheomdan datasets commit ${name}@${version.number}\``);
    }
    const committed = await c.request('POST', `/v1/datasets/${enc(name)}/versions/${version.number}/commit`, DatasetVersion, f.message ? { message: f.message } : {});
    if (cli.json) return cli.printJson(committed);
    cli.out(`${name} v${committed.number}: committed — ${committed.fileCount} files, ${formatBytes(committed.totalBytes)}; ${formatBytes(committed.newBytes)} new after deduplication${resumed > 0 ? `; resumed after an interruption (${formatBytes(resumed)} had arrived)` : ''}`);
  };

  ds.command('upload').description('upload files and directories as a new version (the latest plus these; --empty: only these)').argument('<paths...>')
    .requiredOption('--dataset <name>').option('--version <n>', 'upload into this open version instead of starting one')
    .option('--prefix <dir>', 'place the files under this directory of the dataset').option('--empty', 'start the version empty, not from the latest')
    .option('-m, --message <text>', 'what changed').option('--no-commit', 'leave the version open (commit later)').option('--parallel <n>', 'files at a time', '4')
    .action(async (paths: string[], f: { dataset: string; version?: string; message?: string; empty?: boolean; commit?: boolean; prefix?: string; parallel?: string }) => {
      await transfer(await client(), refOf(f.dataset).name, paths, f, 'upload');
    });

  ds.command('append').description('the next version: the latest plus these files, atomically; never replaces a file (data that arrives continuously)')
    .argument('<name>').argument('<paths...>').option('--prefix <dir>').option('-m, --message <text>').option('--parallel <n>', 'files at a time', '4')
    .action(async (name: string, paths: string[], f: { message?: string; prefix?: string; parallel?: string }) => {
      await transfer(await client(), refOf(name).name, paths, f, 'append');
    });

  ds.command('commit').description('commit an open version').argument('<name@version>').option('-m, --message <text>')
    .action(async (text: string, f: { message?: string }) => {
      const ref = refOf(text);
      if (ref.version === null) throw new CommandFailed('give the version to commit: NAME@N');
      const v = await req('POST', `/v1/datasets/${enc(ref.name)}/versions/${ref.version}/commit`, DatasetVersion, f.message ? { message: f.message } : {});
      if (cli.json) return cli.printJson(v);
      cli.out(`${ref.name} v${v.number}: committed — ${v.fileCount} files, ${formatBytes(v.totalBytes)}`);
    });

  ds.command('download').description('download a version (or some of its files) into a directory; resumes partial files, checks SHA-256')
    .argument('<name[@version]>').argument('[paths...]', 'files or directories of the version (default: all)').option('-o, --output <dir>', 'where to write', '.')
    .option('--parallel <n>', 'files at a time', '4')
    .action(async (text: string, paths: string[], f: { output: string; parallel: string }) => {
      const ref = refOf(text);
      const c = await client();
      const d = await c.request('GET', `/v1/datasets/${enc(ref.name)}`, DatasetDetail);
      const n = ref.version ?? d.latestVersion;
      if (n === null) throw new CommandFailed(`${ref.name} has no committed version yet`);
      const files: z.infer<typeof FileList>['items'] = [];
      for (const prefix of paths.length > 0 ? paths : ['']) {
        let after: string | null = null;
        do {
          const q = new URLSearchParams({ limit: '10000', ...(after !== null ? { after } : {}), ...(prefix ? { prefix } : {}) });
          const page: z.infer<typeof FileList> = await c.request('GET', `/v1/datasets/${enc(ref.name)}/versions/${n}/files?${q}`, FileList);
          files.push(...page.items.filter((x) => prefix === '' || x.path === prefix || x.path.startsWith(`${prefix.replace(/\/+$/, '')}/`)));
          after = page.next;
        } while (after !== null);
      }
      if (files.length === 0) throw new CommandFailed(`v${n} of ${ref.name} has no files${paths.length ? ` under ${paths.join(', ')}` : ''}`);
      const out = resolve(cli.io.cwd, f.output);
      const total = files.reduce((s, x) => s + x.size, 0);
      const progress = new Progress(cli.io.stderr, total, `${ref.name} v${n}`);
      const done = new Map<string, number>();
      try {
        await mapLimit(files, Math.max(1, Number(f.parallel)), async (file) => {
          const dest = join(out, ...file.path.split('/'));
          await downloadFile(c, `/v1/datasets/${enc(ref.name)}/versions/${n}/files/${file.path.split('/').map(enc).join('/')}`, dest, file, (b) => {
            done.set(file.path, b);
            progress.update([...done.values()].reduce((s, x) => s + x, 0));
          });
        });
      } finally {
        progress.stop();
      }
      if (cli.json) return cli.printJson({ dataset: ref.name, version: n, files: files.length, bytes: total, directory: out });
      cli.out(`${ref.name} v${n}: ${files.length} files, ${formatBytes(total)} in ${out} (SHA-256 checked)`);
    });

  ds.command('share').description('share read-only with an organization, or grant a member a restricted dataset').argument('<name>')
    .option('--org <slug>').option('--user <email>').option('--revoke', 'take it back')
    .action(async (name: string, f: { org?: string; user?: string; revoke?: boolean }) => {
      if ((f.org === undefined) === (f.user === undefined)) throw new CommandFailed('give exactly one of --org SLUG or --user EMAIL');
      const d = await req('POST', `/v1/datasets/${enc(refOf(name).name)}/share`, DatasetDetail, { ...(f.org ? { organization: f.org } : { user: f.user }), revoke: Boolean(f.revoke) });
      if (cli.json) return cli.printJson(d);
      cli.out(`${d.name}: ${f.revoke ? 'no longer' : 'now'} readable by ${f.org ?? f.user}; visible to: ${d.visibility}`);
    });

  ds.command('rm').description('delete a dataset, or one version with NAME@N (kept for the retention window, then collected)').argument('<name[@version]>')
    .action(async (text: string) => {
      const ref = refOf(text);
      if (ref.version !== null) {
        const v = await req('DELETE', `/v1/datasets/${enc(ref.name)}/versions/${ref.version}`, DatasetVersion);
        if (cli.json) return cli.printJson(v);
        return cli.out(`${ref.name} v${v.number}: deleted; its content is collected after ${v.purgeAfter ? formatTime(v.purgeAfter) : 'the retention window'}`);
      }
      await (await client()).request('DELETE', `/v1/datasets/${enc(ref.name)}`, null);
      if (cli.json) return cli.printJson({ deleted: ref.name });
      cli.out(`${ref.name}: deleted`);
    });

  ds.command('purge').description('restricted datasets: erase the key and every version now (cannot be undone)').argument('<name>')
    .option('--yes', 'confirm').action(async (name: string, f: { yes?: boolean }) => {
      if (!f.yes) throw new CommandFailed(`purge erases ${name} for good (its key, every version); run again with --yes`);
      const r = await req('POST', `/v1/datasets/${enc(refOf(name).name)}/purge`, z.object({ erasedVersions: z.number(), erasedChunks: z.number() }), {});
      if (cli.json) return cli.printJson(r);
      cli.out(`${name}: purged — ${r.erasedVersions} versions, ${r.erasedChunks} chunks erased; its key is gone`);
    });

  ds.command('import').description('operators: a directory on the server becomes a new version (no copy over HTTP)').argument('<name>').argument('<directory>')
    .option('-m, --message <text>').action(async (name: string, directory: string, f: { message?: string }) => {
      const v = await req('POST', `/v1/datasets/${enc(refOf(name).name)}/import`, DatasetVersion, { directory, message: f.message ?? '' });
      if (cli.json) return cli.printJson(v);
      cli.out(`${name} v${v.number}: imported ${v.fileCount} files, ${formatBytes(v.totalBytes)} (${formatBytes(v.newBytes)} new)`);
    });

  ds.command('storage').description('your organization\'s dataset storage against its quota').option('--org <slug>', 'operators: which organization')
    .action(async (f: { org?: string }) => {
      const s = await req('GET', `/v1/storage${f.org ? `?organization=${enc(f.org)}` : ''}`, StorageUsage);
      if (cli.json) return cli.printJson(s);
      cli.out(`${s.organization.slug}: ${formatBytes(s.usedBytes)} used${s.reservedBytes > 0 ? ` (+${formatBytes(s.reservedBytes)} reserved by unfinished uploads)` : ''} of ${formatBytes(s.quotaBytes)}; ${formatBytes(Math.max(0, s.quotaBytes - s.usedBytes - s.reservedBytes))} left`);
    });
}
