/**
 * /v1/uploads: the tus 1.0.0 resumable-upload protocol (core, creation, termination, checksum,
 * expiration) — any tus client (tus-js-client, Uppy, tuspy) uploads into a dataset version with an API
 * token; docs/datasets.md lists the Upload-Metadata keys. Errors are problem details with tus's statuses
 * (409 offset, 412 version, 415 content type, 460 checksum, 413 size or quota). The rules and storage are
 * services/datasets/uploads.ts; this file only speaks HTTP.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CheomdanError } from '../../core/errors.ts';
import type { DatasetService } from '../../services/datasets/index.ts';
import { CHECKSUM_ALGORITHMS, MAX_UPLOAD_BYTES, type UploadStatus } from '../../services/datasets/uploads.ts';

const TUS_VERSION = '1.0.0';
const EXTENSIONS = 'creation,termination,checksum,expiration';
const OCTETS = 'application/offset+octet-stream';
const tags = ['uploads'];
const Id = z.object({ id: z.string().min(1).max(100) });

/** `key base64,key2 base64` → { key: value }; the error names the pair that is wrong. */
export function parseMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined || header.trim() === '') return out;
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[!-~]+$/.test(key)) throw tusBad('Upload-Metadata', `"${pair.trim().slice(0, 60)}" is not "key base64value"`);
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw tusBad('Upload-Metadata', `the value of "${key}" is not base64`);
    if (key in out) throw tusBad('Upload-Metadata', `"${key}" is given twice`);
    out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

const encodeMetadata = (m: Record<string, string>): string =>
  Object.entries(m).map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`).join(',');

function tusBad(header: string, message: string): CheomdanError {
  return new CheomdanError('validation_failed', `${header}: ${message}`, { errors: [{ path: header, message }] });
}

function byteCount(header: string | string[] | undefined, name: string): number {
  if (typeof header !== 'string' || !/^\d{1,16}$/.test(header)) throw tusBad(name, `must be a whole number of bytes${header === undefined ? ' and is missing' : `, not "${String(header).slice(0, 40)}"`}`);
  return Number(header);
}

function statusHeaders(reply: FastifyReply, s: UploadStatus): FastifyReply {
  return reply.header('upload-offset', String(s.offset)).header('upload-expires', new Date(s.expiresAt).toUTCString());
}

export const uploadRoutes = (datasets: DatasetService): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { uploads } = datasets;

  // The body of a PATCH is the raw stream: never buffered (a file may be larger than the server's memory).
  app.addContentTypeParser(OCTETS, (_req, payload, done) => done(null, payload));
  app.addHook('onRequest', async (req) => {
    // Every request but OPTIONS names the protocol version it speaks (412 otherwise, as the spec says).
    if (req.method !== 'OPTIONS' && req.headers['tus-resumable'] !== TUS_VERSION) {
      throw new CheomdanError('precondition_failed', `Tus-Resumable must be ${TUS_VERSION}${req.headers['tus-resumable'] ? `, not ${String(req.headers['tus-resumable'])}` : ' (the header is missing)'}; this server speaks tus ${TUS_VERSION}`, { extra: { tusVersion: TUS_VERSION } });
    }
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('tus-resumable', TUS_VERSION);
    if (req.method === 'OPTIONS' || reply.statusCode === 412) reply.header('tus-version', TUS_VERSION);
  });

  r.options('/uploads', {
    config: { public: true },
    schema: { tags, summary: 'tus discovery: version, extensions, largest upload, checksum algorithms' },
  }, async (_req, reply) => reply.code(204).header('tus-version', TUS_VERSION).header('tus-extension', EXTENSIONS)
    .header('tus-max-size', String(MAX_UPLOAD_BYTES)).header('tus-checksum-algorithm', CHECKSUM_ALGORITHMS.join(',')).send());

  r.post('/uploads', {
    schema: { tags, summary: 'tus creation: Upload-Length and Upload-Metadata (dataset, path, optional version and sha256)' },
  }, async (req, reply) => {
    if (req.headers['upload-defer-length'] !== undefined) throw tusBad('Upload-Defer-Length', 'is not supported: announce Upload-Length');
    const length = byteCount(req.headers['upload-length'], 'Upload-Length');
    const s = await uploads.create(req.actor, length, parseMetadata(req.headers['upload-metadata'] as string | undefined));
    return statusHeaders(reply.code(201).header('location', `/v1/uploads/${s.id}`), s).send();
  });

  r.head('/uploads/:id', {
    schema: { tags, summary: 'tus: how far an upload has come (Upload-Offset)', params: Id },
  }, async (req, reply) => {
    const s = await uploads.head(req.actor, req.params.id);
    return statusHeaders(reply.code(200).header('cache-control', 'no-store').header('upload-length', String(s.length))
      .header('upload-metadata', encodeMetadata(s.metadata)), s).send();
  });

  r.patch('/uploads/:id', {
    schema: { tags, summary: 'tus: append bytes at Upload-Offset (Upload-Checksum: sha1 or sha256, base64)', params: Id },
  }, async (req, reply) => {
    const type = req.headers['content-type']?.split(';')[0]?.trim();
    if (type !== OCTETS) throw new CheomdanError('unsupported_media_type', `a PATCH carries Content-Type ${OCTETS}${type ? `, not ${type}` : ''}`);
    const offset = byteCount(req.headers['upload-offset'], 'Upload-Offset');
    let checksum: { algorithm: string; digest: string } | undefined;
    const h = req.headers['upload-checksum'];
    if (typeof h === 'string') {
      const [algorithm, digest, extra] = h.trim().split(' ');
      if (!algorithm || !digest || extra !== undefined) throw tusBad('Upload-Checksum', 'must be "ALGORITHM BASE64DIGEST" (e.g. "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")');
      checksum = { algorithm, digest };
    }
    const s = await uploads.append(req.actor, req.params.id, offset, req.body as AsyncIterable<Buffer>, checksum);
    return statusHeaders(reply.code(204), s).send();
  });

  r.delete('/uploads/:id', {
    schema: { tags, summary: 'tus termination: cancel an upload', params: Id },
  }, async (req, reply) => {
    await uploads.terminate(req.actor, req.params.id);
    return reply.code(204).send();
  });
};
