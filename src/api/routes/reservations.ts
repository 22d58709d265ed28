/** /v1/reservations: whole nodes held for one organization during a window (operators make them). */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Problem, Reservation, ReservationCreate } from '../../contract/index.ts';
import { reservationState, type ReservationService } from '../../services/reservations.ts';
import type { ReservationRecord } from '../../store/records.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const tags = ['reservations'];
const iso = (t: number) => new Date(t).toISOString();

export const presentReservation = (r: ReservationRecord, now: number): z.infer<typeof Reservation> => ({
  id: r.id, tenant: r.tenantId, name: r.name, nodes: [...r.nodes], startsAt: iso(r.startsAt), endsAt: iso(r.endsAt),
  state: reservationState(r, now), cancelledAt: r.cancelledAt === null ? null : iso(r.cancelledAt), createdAt: iso(r.createdAt),
});

export const reservationRoutes = (reservations: ReservationService, clock: () => number): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const Id = z.object({ id: z.string().min(1).max(100) });
  r.get('/reservations', {
    schema: {
      tags, summary: 'Reservations: yours (operators: all, or one organization\'s)',
      querystring: z.object({ tenant: z.string().min(1).max(100).optional(), current: z.enum(['true', 'false']).optional().describe('only those not over or cancelled') }).strict(),
      response: { 200: z.object({ items: z.array(Reservation) }), ...errors },
    },
  }, async (req) => ({
    items: (await reservations.list(req.actor, { ...(req.query.tenant ? { tenant: req.query.tenant } : {}), current: req.query.current === 'true' }))
      .map((x) => presentReservation(x, clock())),
  }));
  r.post('/reservations', {
    schema: { tags, summary: 'Hold nodes for an organization during a window (operators)', body: ReservationCreate, response: { 201: Reservation, ...errors } },
  }, async (req, reply) => reply.code(201).send(presentReservation(await reservations.create(req.actor, req.body), clock())));
  r.get('/reservations/:id', { schema: { tags, summary: 'One reservation', params: Id, response: { 200: Reservation, ...errors } } }, async (req) =>
    presentReservation(await reservations.get(req.actor, req.params.id), clock()));
  r.post('/reservations/:id/cancel', { schema: { tags, summary: 'Cancel a reservation: its nodes are free again (operators)', params: Id, response: { 200: Reservation, ...errors } } }, async (req) =>
    presentReservation(await reservations.cancel(req.actor, req.params.id), clock()));
};
