/**
 * Fair share from decayed usage (Slurm's priority/multifactor, classic algorithm).
 *
 * Usage is device-seconds decayed with a half-life: what a tenant used `h` seconds ago counts half. The
 * factor of a tenant is 2^(-(U_t/U)/(S_t/S)) — 1 for a tenant that used nothing, 0.5 for one that used
 * exactly its share, towards 0 for one that used far more. A project's factor is the same formula among the
 * projects of its tenant (equal shares); the job's fair-share factor is their product.
 *
 * `advanceUsage` is the pure update the simulator and the controller both use: decay the past, add what the
 * running devices received in between (integrated under the same decay).
 */
import type { UsageSnapshot } from './types.ts';

export interface FairShareFactors {
  tenant: number;
  project: number;
  fairShare: number;
}

function sum(r: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const k in r) s += r[k]!;
  return s;
}

/** Pre-computed totals so a cycle computes each job's factor in O(1). */
export class FairShare {
  private readonly totalUsage: number;
  private readonly totalShares: number;
  private readonly projectsOfTenant = new Map<string, number>();
  private readonly cache = new Map<string, Map<string, FairShareFactors>>();

  constructor(private readonly usage: UsageSnapshot | undefined, tenants: Iterable<string>) {
    this.totalUsage = usage ? sum(usage.byTenant) : 0;
    let shares = 0;
    const seen = new Set<string>(tenants);
    if (usage) for (const t in usage.byTenant) seen.add(t);
    for (const t of seen) shares += usage?.tenantShares?.[t] ?? 1;
    this.totalShares = shares || 1;
  }

  /** `projectKey` is "tenant/project" usage keyed as in UsageSnapshot.byProject (by project id). */
  factors(tenant: string, project: string): FairShareFactors {
    let byProject = this.cache.get(tenant);
    if (!byProject) { byProject = new Map(); this.cache.set(tenant, byProject); }
    const hit = byProject.get(project);
    if (hit) return hit;
    const u = this.usage;
    let ft = 1;
    let fp = 1;
    if (u && this.totalUsage > 0) {
      const share = (u.tenantShares?.[tenant] ?? 1) / this.totalShares;
      ft = Math.pow(2, -((u.byTenant[tenant] ?? 0) / this.totalUsage) / share);
      const ut = u.byTenant[tenant] ?? 0;
      if (ut > 0) {
        const n = Math.max(1, this.projectsOfTenant.get(tenant) ?? 1);
        fp = Math.pow(2, -((u.byProject[project] ?? 0) / ut) * n);
      }
    }
    const f = { tenant: ft, project: fp, fairShare: ft * fp };
    byProject.set(project, f);
    return f;
  }

  /** Declares how many projects a tenant has (for the project factor); the cycle counts them. */
  setProjects(tenant: string, n: number): void {
    this.projectsOfTenant.set(tenant, n);
  }
}

/**
 * Decays usage by `dt` seconds of half-life `halfLife` and adds `rate` device-seconds per second received
 * during that time (integrated under the decay). Mutates `into` (the caller's own accumulator).
 */
export function advanceUsage(into: Record<string, number>, dt: number, halfLife: number, rates: ReadonlyMap<string, number>): void {
  if (dt <= 0) return;
  const k = Math.LN2 / halfLife;
  const decay = Math.exp(-k * dt);
  const gain = (1 - decay) / k; // ∫0^dt e^{-k(dt-s)} ds
  for (const key in into) into[key] = into[key]! * decay;
  for (const [key, rate] of rates) into[key] = (into[key] ?? 0) + rate * gain;
}
