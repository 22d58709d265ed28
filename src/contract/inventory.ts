/** Nodes, accelerator types and capacity. */
import { z } from 'zod';
import { PRECISIONS } from '../core/accelerators.ts';
import type { Capacity as CoreCapacity } from '../core/capacity.ts';
import { NODE_STATES } from '../core/inventory.ts';
import { Instant } from './accounting.ts';
import { Timestamp } from './common.ts';

const peak = Object.fromEntries(PRECISIONS.map((p) => [p, z.number().nullable()])) as {
  [K in (typeof PRECISIONS)[number]]: z.ZodNullable<z.ZodNumber>;
};

export const AcceleratorType = z
  .object({
    id: z.string(),
    vendor: z.string(),
    model: z.string(),
    kind: z.enum(['gpu', 'npu']),
    memoryGb: z.number(),
    powerWatts: z.number(),
    peak: z.object(peak).describe('Dense peak per precision: TFLOPS, or TOPS for int8; null where not supported'),
    source: z.string(),
  })
  .meta({ id: 'AcceleratorType' });

export const NodeState = z.enum(NODE_STATES);

export const Node = z
  .object({
    name: z.string(),
    partition: z.string(),
    cpus: z.number().int(),
    memoryMb: z.number().int(),
    devices: z.array(z.object({ index: z.number().int(), type: z.string() })),
    labels: z.object({ rack: z.string().optional(), switch: z.string().optional(), nvlinkDomain: z.string().optional() }),
    state: NodeState,
    stateReason: z.string().nullable(),
    source: z.enum(['host', 'declared', 'slurm']).describe('declared: devices from an inventory file, not probed'),
    allocatedDevices: z.array(z.number().int()).describe('Device indices held by running jobs'),
    allocatedCpus: z.number().int(),
  })
  .meta({ id: 'Node' });
export type Node = z.infer<typeof Node>;

export const NodeStateChange = z
  .object({ state: NodeState, reason: z.string().min(1).max(500).optional() })
  .strict();

export const CapacityRow = z.object({
  acceleratorType: z.string(),
  model: z.string(),
  kind: z.enum(['gpu', 'npu']),
  devices: z.number().int(),
  devicesUp: z.number().int(),
  devicesAllocated: z.number().int(),
  nodes: z.number().int(),
  petaflops: z.object(peak).describe('Aggregate dense peak in PF (PFLOPS, or POPS for int8); null where unsupported'),
  declared: z.boolean().describe('true when these devices come from an inventory file, not probed hardware'),
  headlinePrecision: z
    .enum(PRECISIONS)
    .nullable()
    .describe('The precision this type counts at in the headline total; null when it has none of those asked for'),
  headlinePetaflops: z.number().describe('This type\'s share of the headline total, in PF (0 when headlinePrecision is null)'),
});

export const Capacity = z.object({
  rows: z.array(CapacityRow),
  cpuNodes: z.number().int().describe('Nodes with no accelerator'),
  cpus: z.number().int().describe('CPU cores of the nodes with no accelerator'),
  totalPetaflops: z
    .object({
      headline: z.number(),
      precision: z.string().describe('e.g. "gpu fp64; npu bf16, else fp16"'),
      byKind: z.object({ gpu: z.number(), npu: z.number() }).describe('The headline split between GPUs and NPUs, in PF'),
      note: z.string(),
    })
    .describe('The headline figure: each type counted at the precision given by the inventory'),
});
export type Capacity = z.infer<typeof Capacity>;

/** core/capacity.ts computes what this schema shows; the core may not import the contract, so check here. */
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const capacityShapesMatch: SameShape<CoreCapacity, Capacity> = true;

/**
 * Reservations: whole nodes held for one organization during a window (a class, a demo, a deadline). Other
 * organizations' jobs stay off those nodes whenever they would still run in the window; a job that names
 * the reservation runs only there, from its start, and is charged at the reservation multiplier.
 */
/** A date (UTC midnight) or a time with its offset: "2027-03-02T09:00" alone would mean the server's zone. */
const Zoned = Instant.refine((s) => s.length === 10 || /(Z|[+-]\d\d:?\d\d)$/.test(s), 'give the time zone: 2027-03-02T09:00:00+09:00 or …Z');

export const ReservationCreate = z.object({
  tenant: z.string().min(1).max(100).describe('Organization (slug or id) the nodes are held for'),
  name: z.string().min(1).max(200),
  nodes: z.array(z.string().min(1).max(200)).min(1, 'name at least one node').max(10_000),
  startsAt: Zoned,
  endsAt: Zoned,
  ignoreJobs: z.boolean().default(false).describe('Reserve even though running jobs will still hold some of the nodes when the window opens'),
}).strict();
export type ReservationCreate = z.infer<typeof ReservationCreate>;

export const Reservation = z.object({
  id: z.string(), tenant: z.string(), name: z.string(), nodes: z.array(z.string()),
  startsAt: Timestamp, endsAt: Timestamp,
  state: z.enum(['upcoming', 'active', 'ended', 'cancelled']),
  cancelledAt: Timestamp.nullable(), createdAt: Timestamp,
}).meta({ id: 'Reservation' });
export type Reservation = z.infer<typeof Reservation>;
