/**
 * Branded identifiers. A `JobId` is a string at run time, but the compiler keeps a job id from being
 * passed where a node name is expected. Ids are minted by an injected generator (see `IdGenerator`),
 * never inside the scheduler.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type JobId = Brand<string, 'JobId'>;
export type NodeName = Brand<string, 'NodeName'>;
export type PartitionName = Brand<string, 'PartitionName'>;
export type TenantId = Brand<string, 'TenantId'>;
export type ProjectId = Brand<string, 'ProjectId'>;
export type UserId = Brand<string, 'UserId'>;
export type AcceleratorTypeId = Brand<string, 'AcceleratorTypeId'>;
export type ReservationId = Brand<string, 'ReservationId'>;
export type AllocationId = Brand<string, 'AllocationId'>;

export const asJobId = (s: string) => s as JobId;
export const asNodeName = (s: string) => s as NodeName;
export const asPartition = (s: string) => s as PartitionName;
export const asTenantId = (s: string) => s as TenantId;
export const asProjectId = (s: string) => s as ProjectId;
export const asUserId = (s: string) => s as UserId;
export const asAcceleratorType = (s: string) => s as AcceleratorTypeId;
export const asReservationId = (s: string) => s as ReservationId;
export const asAllocationId = (s: string) => s as AllocationId;

/** Makes ids with a readable prefix (`job_…`). Injected so tests and the simulator stay deterministic. */
export type IdGenerator = (prefix: string) => string;
