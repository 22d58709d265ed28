/**
 * Fair share from decayed usage (Slurm's priority/multifactor, classic algorithm).
 *
 * Usage is device-seconds decayed with a half-life: what a tenant used `h` seconds ago counts half. The
 * factor of a tenant is 2^(-(U_t/U)/(S_t/S)) — 1 for a tenant that used nothing, 0.5 for one that used
 * exactly its share, towards 0 for one that used far more. A project's factor is the same formula among the
 * projects of its tenant (equal shares); the job's fair-share factor is their product.
 *
 * `DecayedUsage` is the one model of decayed usage: the simulator feeds it from its own accounting (devices
 * held, integrated as time advances) and the controller from metered usage (each attempt's device interval
 * when it settles, and the same from the store after a restart), with the half-life of the policy
 * configuration (`multifactor.halfLifeSeconds`).
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
 * Decayed usage in device-seconds per tenant and per project, without decaying every entry at every event.
 * Fair share reads only ratios of usage, so usage is kept scaled by 2^((t − ref)/h): a contribution received
 * at time s weighs 2^((s − ref)/h), and nothing already recorded changes as time passes. When the scale grows
 * large, everything is rescaled to a new reference (exact: a common factor). `byTenant` and `byProject` are
 * the scheduler's UsageSnapshot maps (ratios exact; `decayedAt(t)` gives true values).
 */
export class DecayedUsage {
  readonly byTenant: Record<string, number> = {};
  readonly byProject: Record<string, number> = {};
  private readonly k: number;
  private ref = 0;
  /** Devices held now per tenant ('t:') and project ('p:'), for advance(). */
  private readonly rates = new Map<string, { into: Record<string, number>; name: string; devices: number }>();

  constructor(readonly halfLifeSeconds: number) {
    if (!(halfLifeSeconds > 0)) throw new RangeError(`half-life must be positive seconds, not ${halfLifeSeconds}`);
    this.k = Math.LN2 / halfLifeSeconds;
  }

  /** `devices` more (negative: fewer) held by the tenant and project from now on; advance() integrates them. */
  hold(tenant: string, project: string, devices: number): void {
    this.rate(`t:${tenant}`, this.byTenant, tenant, devices);
    this.rate(`p:${project}`, this.byProject, project, devices);
  }

  /** Time moved from `from` to `to` (seconds): add what the held devices received meanwhile. */
  advance(from: number, to: number): void {
    if (to <= from) return;
    this.rebase(to);
    const gain = this.gain(from, to);
    for (const r of this.rates.values()) if (r.devices > 0) r.into[r.name] = (r.into[r.name] ?? 0) + r.devices * gain;
  }

  /** `devices` held by the tenant and project during [from, to] (a settled attempt's metered interval). */
  addInterval(tenant: string, project: string, devices: number, from: number, to: number): void {
    if (to <= from || devices === 0) return;
    this.rebase(to);
    const v = devices * this.gain(from, to);
    this.byTenant[tenant] = (this.byTenant[tenant] ?? 0) + v;
    this.byProject[project] = (this.byProject[project] ?? 0) + v;
  }

  /** True decayed device-seconds of a tenant at time `t`. */
  decayedAt(tenant: string, t: number): number {
    return (this.byTenant[tenant] ?? 0) * Math.exp(-(t - this.ref) * this.k);
  }

  private gain(from: number, to: number): number {
    return (Math.exp((to - this.ref) * this.k) - Math.exp((from - this.ref) * this.k)) / this.k;
  }

  private rate(key: string, into: Record<string, number>, name: string, d: number): void {
    const r = this.rates.get(key);
    if (r) r.devices += d;
    else this.rates.set(key, { into, name, devices: d });
  }

  /** Keeps exponents small: past 600/k seconds beyond the reference, rescale everything to `at`. */
  private rebase(at: number): void {
    if ((at - this.ref) * this.k <= 600) return;
    const f = Math.exp(-(at - this.ref) * this.k);
    for (const m of [this.byTenant, this.byProject]) for (const key in m) m[key] = m[key]! * f;
    this.ref = at;
  }
}
