/** The scopes an API token may carry (the routes' table is in contract/scopes.ts). */
export const SCOPES = ['read', 'jobs', 'data', 'sessions', 'testbed', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
