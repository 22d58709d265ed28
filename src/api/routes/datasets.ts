/**
 * /v1/datasets: datasets, versions, files (download with HTTP Range), sharing, storage and, for
 * operators, server-side import and garbage collection. Uploads are /v1/uploads (routes/uploads.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Dataset, DatasetCreate, DatasetDetail, DatasetImport, DatasetPath, DatasetShare, DatasetUpdate, DatasetVersion, FileList, FileListQuery,
  Problem, StorageUsage, VersionCommit, VersionCreate,
} from '../../contract/index.ts';
import { CheomdanError } from '../../core/errors.ts';
import type { DatasetService } from '../../services/datasets/index.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 410: Problem, 413: Problem, 416: Problem };
const tags = ['datasets'];
const Ref = z.object({ ref: z.string().min(1).max(200).describe('Dataset id, name (your organization\'s) or ORG/NAME (URL-encode the /)') });
const VersionParam = z.union([z.literal('latest'), z.coerce.number().int().min(1)]).describe('A version number, or "latest" (the newest committed)');
const RefVersion = Ref.extend({ n: VersionParam });
const num = (n: number | 'latest'): number | null => (n === 'latest' ? null : n);
const exact = (n: number | 'latest', what: string): number => {
  if (n === 'latest') throw new CheomdanError('validation_failed', `${what} needs a version number, not "latest"`, { errors: [{ path: 'n', message: 'a number' }] });
  return n;
};

/** `bytes=START-END`, `bytes=START-` or `bytes=-SUFFIX` (one range; several are answered with the whole file). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number | null } | null | 'unsatisfiable' {
  if (header === undefined || size === 0) return null; // an empty file is sent whole
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // not a single byte range: ignored, as RFC 9110 allows
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: null };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? null : Number(m[2]) + 1;
  if (end !== null && end <= start) return 'unsatisfiable';
  if (start >= size && size > 0) return 'unsatisfiable';
  return { start, end };
}

export const datasetRoutes = (datasets: DatasetService): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { catalog, versions } = datasets;

  r.get('/datasets', {
    schema: { tags, summary: 'Datasets you can see: your organization\'s, those shared with it, public ones', response: { 200: z.object({ items: z.array(Dataset) }), ...errors } },
  }, async (req) => ({ items: await catalog.list(req.actor) }));

  r.post('/datasets', {
    schema: { tags, summary: 'Create a dataset (no version yet: upload files, then commit)', body: DatasetCreate, response: { 201: DatasetDetail, ...errors } },
  }, async (req, reply) => {
    const d = await catalog.create(req.actor, req.body);
    return reply.code(201).header('location', `/v1/datasets/${d.id}`).send(d);
  });

  r.get('/datasets/:ref', {
    schema: { tags, summary: 'One dataset with its versions and who it is shared with', params: Ref, response: { 200: DatasetDetail, ...errors } },
  }, async (req) => catalog.show(req.actor, req.params.ref));

  r.patch('/datasets/:ref', {
    schema: { tags, summary: 'Change description, licence, domain or visibility (restricted datasets are never public)', params: Ref, body: DatasetUpdate, response: { 200: DatasetDetail, ...errors } },
  }, async (req) => catalog.update(req.actor, req.params.ref, req.body));

  r.delete('/datasets/:ref', {
    schema: { tags, summary: 'Delete a dataset: its versions are kept for the retention window, then collected', params: Ref, response: { 204: z.null(), ...errors } },
  }, async (req, reply) => {
    await catalog.remove(req.actor, req.params.ref);
    return reply.code(204).send(null);
  });

  r.post('/datasets/:ref/share', {
    schema: { tags, summary: 'Share read-only with an organization, or grant a member access to a restricted dataset (revoke: undo)', params: Ref, body: DatasetShare, response: { 200: DatasetDetail, ...errors } },
  }, async (req) => catalog.share(req.actor, req.params.ref, req.body));

  r.post('/datasets/:ref/purge', {
    schema: { tags, summary: 'Restricted datasets: erase the key and all content now (cannot be undone)', params: Ref, response: { 200: z.object({ erasedVersions: z.number().int(), erasedChunks: z.number().int() }), ...errors } },
  }, async (req) => datasets.purge(req.actor, req.params.ref));

  r.post('/datasets/:ref/versions', {
    schema: { tags, summary: 'Open a new version (from the latest committed one unless told otherwise); upload into it, then commit', params: Ref, body: VersionCreate, response: { 201: DatasetVersion, ...errors } },
  }, async (req, reply) => reply.code(201).send(await versions.open(req.actor, req.params.ref, req.body)));

  r.post('/datasets/:ref/versions/:n/commit', {
    schema: { tags, summary: 'Commit an open version: from then on it never changes', params: RefVersion, body: VersionCommit.optional(), response: { 200: DatasetVersion, ...errors } },
  }, async (req) => versions.commit(req.actor, req.params.ref, exact(req.params.n, 'commit'), req.body?.message));

  r.delete('/datasets/:ref/versions/:n', {
    schema: { tags, summary: 'Delete a version (soft: collected after the retention window; never while a job has it mounted)', params: RefVersion, response: { 200: DatasetVersion, ...errors } },
  }, async (req) => versions.remove(req.actor, req.params.ref, exact(req.params.n, 'delete')));

  r.get('/datasets/:ref/versions/:n/files', {
    schema: { tags, summary: 'Files of a version in path order (page with `after`)', params: RefVersion, querystring: FileListQuery, response: { 200: FileList, ...errors } },
  }, async (req) => versions.files(req.actor, req.params.ref, num(req.params.n), req.query));

  r.delete('/datasets/:ref/versions/:n/files', {
    schema: { tags, summary: 'Remove files or directories from an open version', params: RefVersion, body: z.object({ paths: z.array(DatasetPath).min(1).max(100_000) }).strict(), response: { 200: z.object({ removed: z.number().int() }), ...errors } },
  }, async (req) => ({ removed: await versions.removeFiles(req.actor, req.params.ref, exact(req.params.n, 'remove files'), req.body.paths) }));

  r.get('/datasets/:ref/versions/:n/files/*', {
    schema: { tags, summary: 'Download a file (HTTP Range supported; every chunk checked against its SHA-256)', params: RefVersion.extend({ '*': z.string() }), response: { 200: z.any(), 206: z.any(), ...errors } },
  }, async (req, reply) => {
    const path = req.params['*'];
    let got;
    try {
      got = await versions.read(req.actor, req.params.ref, num(req.params.n), path, (size) => parseRange(req.headers.range, size));
    } catch (e) {
      if (e instanceof CheomdanError && e.code === 'range_not_satisfiable') reply.header('content-range', `bytes */${String(e.extra.size)}`);
      throw e;
    }
    reply.header('accept-ranges', 'bytes').header('etag', `"${got.file.sha256}"`).header('x-checksum-sha256', got.file.sha256)
      .header('content-length', String(got.end - got.start)).type('application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(path.split('/').pop() ?? 'file')}`);
    if (got.partial) reply.code(206).header('content-range', `bytes ${got.start}-${got.end - 1}/${got.file.size}`);
    return reply.send(got.body);
  });

  r.post('/datasets/:ref/import', {
    schema: { tags, summary: 'Operators: a server directory becomes a new version (no copy over HTTP)', params: Ref, body: DatasetImport, response: { 201: DatasetVersion, ...errors } },
  }, async (req, reply) => reply.code(201).send(await versions.importDirectory(req.actor, req.params.ref, req.body.directory, req.body.message)));

  r.get('/storage', {
    schema: { tags, summary: 'An organization\'s dataset storage: used (after deduplication), reserved by uploads, quota', querystring: z.object({ organization: z.string().min(1).max(100).optional() }).strict(), response: { 200: StorageUsage, ...errors } },
  }, async (req) => catalog.storage(req.actor, req.query.organization));

  r.post('/datasets-gc', {
    schema: {
      tags, summary: 'Operators: collect garbage now (expired uploads, versions past retention, unreferenced chunks)',
      response: { 200: z.object({ expiredUploads: z.number().int(), erasedVersions: z.number().int(), sweptChunks: z.number().int(), sweptBytes: z.number().int(), orphanBlobs: z.number().int() }), ...errors },
    },
  }, async (req) => {
    if (!req.actor.isOperator) throw new CheomdanError('forbidden', 'only operators can collect garbage');
    return datasets.gc();
  });
};
