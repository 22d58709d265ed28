/** The scheduler's public surface: a pure function of a snapshot, its policies, and its answers. */
export type * from './types.ts';
export { PENDING_REASONS } from './types.ts';
export { cycle } from './cycle.ts';
export { priorityBreakdown } from './context.ts';
export { checkFeasibility, feasibility, findPlacement, type PlaceOptions, type PlaceResult } from './placement.ts';
export { makePolicy, type Policy, type PolicyConfig, type PreemptionConfig } from './policy.ts';
export { ORDER_NAMES, BACKFILL_MODES, type OrderName, type BackfillMode } from './policies/order.ts';
export { CapacityIndex } from './capacity.ts';
export { ReleaseCalendar } from './calendar.ts';
export { QuotaLedger } from './quotas.ts';
export { DecayedUsage, FairShare } from './fairshare.ts';
export { forwardStarts, type Release, type Estimate } from './estimate.ts';
export { Assumptions } from './assume.ts';
export { MinHeap } from './heap.ts';
export { lasQueue } from './policies/order-las.ts';
export { explainMessage, describeRequest, inWords } from './explain.ts';
