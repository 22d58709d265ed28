export * from './common.ts';
export * from './identity.ts';
export * from './jobs.ts';
export * from './inventory.ts';
export * from './audit.ts';
export * from './quotas.ts';
export * from './testbed.ts';
export * from './datasets.ts';
