/** /v1/jobs: submit, list, show, cancel, events, logs (chunked text, or SSE with Accept: text/event-stream). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, Job, JobEventList, JobListQuery, JobPage, JobSubmit, LogQuery, Problem } from '../../contract/index.ts';
import type { AppDeps } from '../deps.ts';
import { presentEvent, presentJob } from '../presenters.ts';

const errors = { 400: Problem, 401: Problem, 402: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };

export const jobRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { jobs, metrics } = deps;

  r.post('/jobs', {
    schema: { tags: ['jobs'], summary: 'Submit a job (command or #SBATCH script)', body: JobSubmit, response: { 201: Job, ...errors } },
  }, async (req, reply) => {
    const job = await jobs.submit(req.actor, req.body);
    metrics.submitted.inc();
    return reply.code(201).header('location', `/v1/jobs/${job.id}`).send(presentJob(job));
  });

  r.get('/jobs', {
    schema: { tags: ['jobs'], summary: 'List jobs (your organization; operators: all)', querystring: JobListQuery, response: { 200: JobPage, ...errors } },
  }, async (req) => {
    const q = req.query;
    const page = await jobs.list(req.actor, { states: q.state, project: q.project, user: q.user, tenant: q.tenant, limit: q.limit, cursor: q.cursor });
    return { items: page.items.map(presentJob), nextCursor: page.nextCursor };
  });

  r.get('/jobs/:id', { schema: { tags: ['jobs'], summary: 'One job, with its pending reason', params: IdParams, response: { 200: Job, ...errors } } }, async (req) =>
    presentJob(await jobs.get(req.actor, req.params.id)));

  r.post('/jobs/:id/cancel', { schema: { tags: ['jobs'], summary: 'Cancel a job', params: IdParams, response: { 200: Job, ...errors } } }, async (req) =>
    presentJob(await jobs.cancel(req.actor, req.params.id)));

  r.get('/jobs/:id/events', { schema: { tags: ['jobs'], summary: 'State changes and reasons, oldest first', params: IdParams, response: { 200: JobEventList, ...errors } } }, async (req) => ({
    items: (await jobs.events(req.actor, req.params.id)).map(presentEvent),
  }));

  r.get('/jobs/:id/logs', {
    schema: {
      tags: ['jobs'], summary: 'Job output from a byte offset; follow=true streams until the job ends',
      params: IdParams, querystring: LogQuery, response: { 200: z.string().describe('text/plain, chunked'), ...errors },
    },
  }, async (req, reply) => {
    const abort = new AbortController();
    req.raw.on('close', () => abort.abort());
    const chunks = await jobs.logs(req.actor, req.params.id, { ...req.query, signal: abort.signal });
    if ((req.headers.accept ?? '').includes('text/event-stream')) {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      let offset = req.query.offset;
      try {
        for await (const c of chunks) {
          res.write(`event: log\ndata: ${JSON.stringify({ offset, text: c.toString('utf8') })}\n\n`);
          offset += c.length;
        }
        res.write(`event: end\ndata: ${JSON.stringify({ offset })}\n\n`);
      } finally {
        res.end();
      }
      return reply;
    }
    // Headers go out at once, so a client following a pending or quiet job sees the stream is open.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    try {
      for await (const c of chunks) res.write(c);
    } finally {
      res.end();
    }
    return reply;
  });
};
