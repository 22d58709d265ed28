/**
 * Programs and allocations (issue 4), wired together: `createAccounting(ctx, identity, opts)` returns the
 * enforcement hooks (for the controller and job submission) and the services the API and CLI use.
 */
import type { ServiceContext } from '../context.ts';
import type { IdentityService } from '../identity.ts';
import { AllocationService } from './allocations.ts';
import { AccountingService, type AccountingMode } from './enforcement.ts';
import { ProgramService } from './programs.ts';
import { ReportService } from './reports.ts';

export interface Accounting {
  mode: AccountingMode;
  enforcement: AccountingService;
  allocations: AllocationService;
  programs: ProgramService;
  reports: ReportService;
  /** Loads the allocation cache and starts the expiry sweep (every `sweepMs`, default 60 s). */
  start(): Promise<void>;
  stop(): void;
}

export function createAccounting(ctx: ServiceContext, identity: IdentityService, opts: { mode: AccountingMode; devicesByType: () => Record<string, number>; sweepMs?: number }): Accounting {
  const enforcement = new AccountingService(ctx, opts.mode);
  const allocations = new AllocationService(ctx, identity, enforcement);
  const programs = new ProgramService(ctx, identity, allocations, enforcement);
  const reports = new ReportService(ctx, identity, opts.devicesByType);
  let timer: NodeJS.Timeout | undefined;
  return {
    mode: opts.mode, enforcement, allocations, programs, reports,
    async start() {
      await enforcement.refresh();
      timer = setInterval(() => {
        allocations.sweep().catch((e) => ctx.log.error({ err: e }, 'accounting: expiry sweep failed'));
      }, opts.sweepMs ?? 60_000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

export { AccountingService, parseAccountingMode, type AccountingMode } from './enforcement.ts';
