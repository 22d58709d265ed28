/**
 * /v1/quotas and /v1/cohorts: guaranteed devices per organization (or project) and accelerator type or type
 * group, with borrowing and lending limits inside a cohort (docs/scheduler.md, "Quotas").
 */
import { z } from 'zod';
import { Slug, Timestamp } from './common.ts';

const Devices = z.number().int('a whole number of devices').min(0, 'not negative').max(10_000_000);

export const QuotaSet = z.object({
  tenant: z.string().min(1).max(100).describe('Organization (slug or id)'),
  project: z.string().min(1).max(100).optional().describe("A project's quota (slug or id): a cap inside the organization's; absent: the organization's"),
  resource: z.string().min(1).max(100).describe('An accelerator type id of the catalog, or a type group (e.g. h100-class)'),
  guaranteed: Devices.describe('Devices always available to it'),
  borrowLimit: Devices.nullable().default(0).describe('Devices it may borrow beyond its guarantee (null: no limit)'),
  lendLimit: Devices.nullable().default(null).describe('Of its idle guarantee, at most this many are lent to its cohort (null: all of it)'),
  cohort: Slug.nullable().default(null).describe('The cohort whose members lend to each other (create it first: POST /v1/cohorts)'),
}).strict();
export type QuotaSet = z.input<typeof QuotaSet>;

export const Quota = z.object({
  id: z.string(),
  tenant: z.string(),
  project: z.string().nullable(),
  resource: z.string(),
  acceleratorTypes: z.array(z.string()).describe('The catalog types the resource covers'),
  guaranteed: z.number().int(),
  borrowLimit: z.number().int().nullable(),
  lendLimit: z.number().int().nullable(),
  cohort: z.string().nullable(),
  inUse: z.number().int().describe('Devices of these types its running jobs hold now'),
  borrowed: z.number().int().describe('Of those, beyond its guarantee'),
  source: z.enum(['explicit', 'allocation']).describe('explicit: set by an operator; allocation: implied by an allocation (its concurrent limit, no borrowing)'),
  updatedAt: Timestamp,
}).meta({ id: 'Quota' });
export type Quota = z.infer<typeof Quota>;

export const CohortCreate = z.object({
  name: Slug,
  description: z.string().max(1000).default(''),
}).strict();
export type CohortCreate = z.input<typeof CohortCreate>;

export const Cohort = z.object({
  name: z.string(), description: z.string(), createdAt: Timestamp,
  members: z.number().int().describe('Quotas in the cohort'),
}).meta({ id: 'Cohort' });
export type Cohort = z.infer<typeof Cohort>;
