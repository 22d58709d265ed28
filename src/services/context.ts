/**
 * What every service needs, passed in (never imported as globals): the store, a clock, an id generator,
 * the server's configuration and a logger. Tests build one with a temp store and a fake clock.
 */
import type { Logger } from 'pino';
import type { IdGenerator } from '../core/ids.ts';
import type { Store } from '../store/index.ts';

export interface ServiceConfig {
  /** $CHEOMDAN_HOME: the data directory (database, job logs, run state, admin token). */
  home: string;
  /** Partition used when a submission names none. */
  defaultPartition: string;
  /** Where job logs go: <logsDir>/<jobId>/stdout|stderr (unless the script's -o/-e say otherwise). */
  logsDir: string;
  /** Default time limit when a job gives none (seconds). */
  defaultTimeLimitSeconds: number;
}

export interface ServiceContext {
  store: Store;
  /** Milliseconds since the epoch. */
  clock: () => number;
  ids: IdGenerator;
  config: ServiceConfig;
  log: Logger;
}
