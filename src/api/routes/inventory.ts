/** /v1/nodes, /v1/accelerator-types, /v1/capacity. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACCELERATOR_CATALOG } from '../../core/accelerators.ts';
import { AcceleratorType, Capacity, Node, NodeStateChange, Problem } from '../../contract/index.ts';
import type { Actor } from '../../services/actor.ts';
import type { AppDeps } from '../deps.ts';

/** What the inventory routes need: the live node list with allocations, capacity, and node state changes. */
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export const inventoryRoutes = (deps: AppDeps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/nodes', { schema: { tags: ['inventory'], summary: 'Nodes, devices and what is allocated', response: { 200: z.object({ items: z.array(Node) }), ...errors } } }, async () => ({
    items: deps.inventory.nodes(),
  }));
  r.patch('/nodes/:name', {
    schema: { tags: ['inventory'], summary: 'Drain, take down or resume a node (operators)', params: z.object({ name: z.string().min(1).max(200) }), body: NodeStateChange, response: { 200: Node, ...errors } },
  }, async (req) => {
    return deps.inventory.setState(req.actor, req.params.name, req.body.state, req.body.reason);
  });
  r.get('/accelerator-types', { schema: { tags: ['inventory'], summary: 'The accelerator catalog', response: { 200: z.object({ items: z.array(AcceleratorType) }), ...errors } } }, async () => ({
    items: ACCELERATOR_CATALOG.map(({ probeNames: _p, ...a }) => ({ ...a, id: a.id as string })),
  }));
  r.get('/capacity', { schema: { tags: ['inventory'], summary: 'Capacity per accelerator type, in PF', response: { 200: Capacity, ...errors } } }, async () =>
    deps.inventory.capacity());
};
