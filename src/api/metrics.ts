/**
 * Prometheus metrics (/metrics): HTTP request durations, submissions, controller cycles and the job
 * counts by state. One registry per app, so tests and several apps in one process do not collide.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  submitted: Counter;
  cycleSeconds: Histogram;
  jobsStarted: Counter;
  pendingJobs: Gauge;
  runningJobs: Gauge;
  instrument(app: FastifyInstance): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'cheomdan_' });
  const http = new Histogram({
    name: 'cheomdan_http_request_duration_seconds', help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return {
    registry,
    submitted: new Counter({ name: 'cheomdan_jobs_submitted_total', help: 'Jobs accepted through the API', registers: [registry] }),
    jobsStarted: new Counter({ name: 'cheomdan_jobs_started_total', help: 'Jobs started by the controller', registers: [registry] }),
    cycleSeconds: new Histogram({
      name: 'cheomdan_controller_cycle_seconds', help: 'Duration of one controller tick (collect, schedule, apply)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [registry],
    }),
    pendingJobs: new Gauge({ name: 'cheomdan_jobs_pending', help: 'Jobs waiting in the queue', registers: [registry] }),
    runningJobs: new Gauge({ name: 'cheomdan_jobs_running', help: 'Jobs starting or running', registers: [registry] }),
    instrument(app) {
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url ?? 'unknown';
        http.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
    },
  };
}
