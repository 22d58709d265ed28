/**
 * Quotas per tenant per accelerator type (from the tenant's allocation): a guaranteed number of devices, and
 * borrowing of idle capacity up to `borrowLimitDevices` more. Use never exceeds guaranteed + borrow limit.
 * A (tenant, type) with no quota entry is unmanaged: no limit, no guarantee (the platform's default for
 * a cluster that does not configure quotas). Borrowed capacity is reclaimed by preemption (preemption.ts)
 * when its owner, under its guarantee, has a job that does not fit.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { QuotaSnapshot, RunningJobSnapshot } from './types.ts';

const key = (tenant: string, type: AcceleratorTypeId | null) => `${tenant}\u0000${type ?? ''}`;

export class QuotaLedger {
  private readonly limits = new Map<string, QuotaSnapshot>();
  private readonly used = new Map<string, number>();
  readonly active: boolean;

  constructor(quotas: readonly QuotaSnapshot[] | undefined, running: readonly RunningJobSnapshot[]) {
    for (const q of quotas ?? []) this.limits.set(key(q.tenant, q.acceleratorType), q);
    this.active = this.limits.size > 0;
    if (this.active) for (const r of running) this.add(r.tenant, r.acceleratorType, r.request.tasks * r.request.devicesPerTask);
  }

  quota(tenant: string, type: AcceleratorTypeId | null): QuotaSnapshot | undefined {
    return !this.active || type === null ? undefined : this.limits.get(key(tenant, type));
  }

  usedBy(tenant: string, type: AcceleratorTypeId | null): number {
    return this.used.get(key(tenant, type)) ?? 0;
  }

  /** May the tenant take `n` more devices of the type (guarantee + declared borrowing)? */
  allows(tenant: string, type: AcceleratorTypeId | null, n: number): boolean {
    if (!this.active) return true;
    const q = this.quota(tenant, type);
    return !q || this.usedBy(tenant, type) + n <= q.guaranteedDevices + q.borrowLimitDevices;
  }

  /** Would `n` more devices keep the tenant within its guarantee (so it may reclaim)? */
  withinGuarantee(tenant: string, type: AcceleratorTypeId | null, n: number): boolean {
    const q = this.quota(tenant, type);
    return !!q && this.usedBy(tenant, type) + n <= q.guaranteedDevices;
  }

  /** Devices the tenant uses above its guarantee (borrowed). */
  borrowed(tenant: string, type: AcceleratorTypeId | null): number {
    const q = this.quota(tenant, type);
    return q ? Math.max(0, this.usedBy(tenant, type) - q.guaranteedDevices) : 0;
  }

  add(tenant: string, type: AcceleratorTypeId | null, n: number): void {
    if (!this.active || n === 0) return;
    const k = key(tenant, type);
    this.used.set(k, (this.used.get(k) ?? 0) + n);
  }

  remove(tenant: string, type: AcceleratorTypeId | null, n: number): void {
    this.add(tenant, type, -n);
  }
}
