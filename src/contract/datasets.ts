/**
 * /v1/datasets and /v1/uploads: the data pillar (issue 10). A dataset belongs to an organization; its
 * versions are immutable once committed; file content is uploaded with tus 1.0 (docs/datasets.md lists the
 * Upload-Metadata keys) into an open version, then the version is committed.
 */
import { z } from 'zod';
import { DATASET_NAME, pathProblem } from '../core/datasets.ts';
import { SECTORS } from './identity.ts';
import { Timestamp } from './common.ts';

export const DATASET_SENSITIVITIES = ['public', 'internal', 'restricted'] as const;
export const DATASET_VISIBILITIES = ['organization', 'shared', 'public'] as const;
export const DatasetSensitivity = z.enum(DATASET_SENSITIVITIES)
  .describe('public: may be published; internal: the organization\'s; restricted: readable only by members granted access, every read audited, encrypted at rest, never public');
export const DatasetVisibility = z.enum(DATASET_VISIBILITIES)
  .describe('organization: its members only (default); shared: also the organizations it is shared with (read-only); public: every signed-in user (read-only)');

export const DatasetName = z.string().regex(DATASET_NAME, 'use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100 (e.g. "chest-xray")');

export const DatasetPath = z.string().superRefine((p, ctx) => {
  const why = pathProblem(p);
  if (why !== null) ctx.addIssue({ code: 'custom', message: why });
});

export const DatasetCreate = z.object({
  name: DatasetName,
  description: z.string().max(10_000).default(''),
  domain: z.enum(SECTORS).default('other').describe('The sector the data comes from'),
  licence: z.string().max(200).default('proprietary').describe('SPDX id or a short name (e.g. CC-BY-4.0, proprietary)'),
  sensitivity: DatasetSensitivity.default('internal'),
  visibility: DatasetVisibility.default('organization'),
  project: z.string().min(1).max(100).optional().describe('Project slug or id of the organization'),
  organization: z.string().min(1).max(100).optional().describe('Operators: the organization (slug or id) it belongs to'),
}).strict();
export type DatasetCreate = z.infer<typeof DatasetCreate>;

export const DatasetUpdate = z.object({
  description: z.string().max(10_000).optional(),
  licence: z.string().max(200).optional(),
  domain: z.enum(SECTORS).optional(),
  visibility: DatasetVisibility.optional(),
}).strict();

export const Dataset = z.object({
  id: z.string(),
  name: z.string(),
  organization: z.object({ id: z.string(), slug: z.string() }),
  project: z.string().nullable(),
  description: z.string(),
  domain: z.string(),
  licence: z.string(),
  sensitivity: DatasetSensitivity,
  visibility: DatasetVisibility,
  latestVersion: z.number().int().nullable().describe('The newest committed version\'s number; null when none is committed'),
  fileCount: z.number().int().describe('Files of the latest version'),
  totalBytes: z.number().int().describe('Bytes of the latest version'),
  createdAt: Timestamp,
  /** What the asker may do: read content (restricted: only with a grant), write (members of the owner). */
  access: z.object({ read: z.boolean(), write: z.boolean() }),
});
export type Dataset = z.infer<typeof Dataset>;

export const DatasetVersion = z.object({
  number: z.number().int(),
  state: z.enum(['open', 'committed', 'deleted']),
  parent: z.number().int().nullable(),
  message: z.string(),
  fileCount: z.number().int(),
  totalBytes: z.number().int(),
  newBytes: z.number().int().describe('Bytes this version was first to store (the rest were deduplicated)'),
  sourceJob: z.string().nullable(),
  createdBy: z.string(),
  createdAt: Timestamp,
  committedAt: Timestamp.nullable(),
  deletedAt: Timestamp.nullable(),
  purgeAfter: Timestamp.nullable().describe('Deleted versions: when their content is garbage-collected'),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

export const DatasetAccessEntry = z.object({
  kind: z.enum(['organization', 'user']),
  id: z.string(),
  name: z.string().describe('Organization slug or user e-mail'),
  createdAt: Timestamp,
});

export const DatasetDetail = Dataset.extend({
  versions: z.array(DatasetVersion),
  sharedWith: z.array(DatasetAccessEntry).describe('Organizations it is shared with, users granted access (restricted)'),
  storage: z.object({ usedBytes: z.number().int(), quotaBytes: z.number().int() }).describe('The owning organization\'s storage'),
});

export const VersionCreate = z.object({
  from: z.number().int().min(1).optional().describe('Start from this version\'s files (default: the latest committed; 0 files when none)'),
  empty: z.boolean().default(false).describe('Start with no files even when a version exists'),
  message: z.string().max(2000).default(''),
  remove: z.array(DatasetPath).max(100_000).default([]).describe('Paths (files or directories) of the parent to leave out'),
}).strict();

export const VersionCommit = z.object({
  message: z.string().max(2000).optional(),
}).strict();

export const DatasetFile = z.object({
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});

export const FileListQuery = z.object({
  prefix: z.string().max(4096).optional(),
  after: z.string().max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const FileList = z.object({
  items: z.array(DatasetFile),
  next: z.string().nullable().describe('Pass as `after` for the next page; null on the last'),
});

export const DatasetShare = z.object({
  organization: z.string().min(1).max(100).optional().describe('Share read-only with this organization (slug or id)'),
  user: z.string().min(1).max(200).optional().describe('Restricted datasets: grant this member (e-mail or id) read access'),
  revoke: z.boolean().default(false),
}).strict().refine((s) => (s.organization === undefined) !== (s.user === undefined), { message: 'give exactly one of organization or user' });

export const DatasetImport = z.object({
  directory: z.string().min(1).max(4096).describe('A directory on the server (operators): its files become the version\'s, without copying over HTTP'),
  message: z.string().max(2000).default(''),
}).strict();

export const StorageUsage = z.object({
  organization: z.object({ id: z.string(), slug: z.string() }),
  usedBytes: z.number().int(),
  reservedBytes: z.number().int().describe('Announced by open uploads, not yet received'),
  quotaBytes: z.number().int(),
});
