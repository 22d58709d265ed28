/**
 * Programs and allocations (issue 4), wired together: `createAccounting(ctx, identity, opts)` returns the
 * enforcement hooks (for the controller and job submission) and the services the API and CLI use.
 */
import type { ServiceContext } from '../context.ts';
import type { IdentityService } from '../identity.ts';
import { AllocationService, type StorageBasis } from './allocations.ts';
import { defaultRates } from '../../core/accounting/defaultRates.ts';
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

export function createAccounting(
  ctx: ServiceContext, identity: IdentityService,
  opts: { mode: AccountingMode; devicesByType: () => Record<string, number>; sweepMs?: number; storageBasis?: StorageBasis | undefined },
): Accounting {
  const enforcement = new AccountingService(ctx, opts.mode);
  const allocations = new AllocationService(ctx, identity, enforcement, opts.storageBasis);
  const programs = new ProgramService(ctx, identity, allocations, enforcement);
  const reports = new ReportService(ctx, identity, opts.devicesByType);
  let timer: NodeJS.Timeout | undefined;
  return {
    mode: opts.mode, enforcement, allocations, programs, reports,
    async start() {
      await ensureDefaultRates(ctx);
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

/**
 * On first start (no rate was ever set), writes the default rates (core/accounting/defaultRates.ts), effective
 * from now, so jobs are metered in service units — and, with accounting enforced, can be charged — at once.
 */
export async function ensureDefaultRates(ctx: ServiceContext): Promise<void> {
  if ((await ctx.store.rates.list()).length > 0) return;
  const now = ctx.clock();
  await ctx.store.transaction(async (tx) => {
    if ((await tx.rates.list()).length > 0) return;
    for (const r of defaultRates()) await tx.rates.create({ ...r, effectiveFrom: now, createdBy: null });
    await tx.audit.append({ at: now, actorUserId: null, action: 'rates.defaults', subject: 'rates', detail: { count: defaultRates().length } });
  });
  ctx.log.info('accounting: default rates written (1 SU = one H100 SXM hour at BF16 peak; `cheomdan rates` lists them)');
}
