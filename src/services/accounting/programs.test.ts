/**
 * Programs and applications against a real store (both dialects): concurrent approvals never award more than
 * the budget; the application state machine refuses transitions from the wrong state; a review is not saved
 * on an application decided or withdrawn since it was read.
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import { seedTenant } from '../../store/testing/builders.ts';
import { describeStore, uid } from '../../store/testing/conformance.ts';
import { actorFor } from '../actor.ts';
import type { ServiceContext } from '../context.ts';
import { IdentityService } from '../identity.ts';
import { AllocationService } from './allocations.ts';
import { AccountingService } from './enforcement.ts';
import { ProgramService } from './programs.ts';
import type { Store } from '../../store/index.ts';

describeStore('programs and applications', (t) => {
  const setup = (store: Store = t.store) => {
    const ctx: ServiceContext = {
      store, clock: () => t.now, ids: uid, log: pino({ level: 'silent' }),
      config: { home: '/tmp', defaultPartition: 'gpu', logsDir: '/tmp', defaultTimeLimitSeconds: 3600 },
    };
    const identity = new IdentityService(ctx);
    const acc = new AccountingService(ctx, 'enforce');
    const allocations = new AllocationService(ctx, identity, acc);
    return new ProgramService(ctx, identity, allocations, acc);
  };
  const operator = actorFor({ id: 'usr_op' as never, email: 'op@x', name: 'op', passwordHash: null, role: 'operator', tenantId: null, createdAt: 0, disabledAt: null });
  const program = (programs: ProgramService, budget: number) => programs.create(operator, {
    slug: uid('p').replace('_', '-'), name: 'p', description: '', opensAt: new Date(t.now - 1000).toISOString(), closesAt: new Date(t.now + 86_400_000).toISOString(),
    budget, eligibility: { tenantKinds: [], sectors: [], regions: [] }, sectorShares: {}, criteria: [{ key: 'merit', name: 'Merit', weight: 1 }],
    allocationTerms: { firstTranchePct: 100, progressReportMonths: [], discountPct: 0 },
  });

  it('concurrent approvals never award more than the budget', async () => {
    const programs = setup();
    const { program: p } = await program(programs, 10);
    const apps = [];
    for (let i = 0; i < 5; i++) {
      const seed = await seedTenant(t.store);
      apps.push(await programs.apply(actorFor(seed.user), { program: p.id, title: `a${i}`, description: 'd', accelerators: [{ type: 'nvidia-h100-sxm-80gb', count: 1 }], durationDays: 30, serviceUnits: 3, expectedOutputs: [], submit: true }));
    }
    const results = await Promise.allSettled(apps.map((a) => programs.approve(operator, a.id, { reason: 'ok' })));
    const approved = results.filter((r) => r.status === 'fulfilled').length;
    expect(approved).toBe(3);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('conflict');
    const view = await programs.get(operator, p.id);
    expect(view.remainingMsu).toBe(1000);
    expect((await t.store.allocations.list({ programId: p.id })).length).toBe(3);
  });

  it('transitions only from where they may come', async () => {
    const programs = setup();
    const { program: p } = await program(programs, 100);
    const seed = await seedTenant(t.store);
    const owner = actorFor(seed.user);
    const a = await programs.apply(owner, { program: p.slug, title: 't', description: 'd', accelerators: [{ type: 'nvidia-h100-sxm-80gb', count: 2 }], durationDays: 10, serviceUnits: 5, expectedOutputs: [], submit: false });
    expect(a.state).toBe('draft');
    await expect(programs.approve(operator, a.id, { reason: 'x' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(programs.reject(operator, a.id, 'x')).rejects.toMatchObject({ code: 'conflict' });
    expect((await programs.submit(owner, a.id)).state).toBe('submitted');
    await expect(programs.submit(owner, a.id)).rejects.toMatchObject({ code: 'conflict' });
    expect((await programs.reject(operator, a.id, 'out of scope')).state).toBe('rejected');
    await expect(programs.withdraw(owner, a.id)).rejects.toMatchObject({ code: 'conflict' });
    const after = await t.store.applications.get(a.id);
    expect(after).toMatchObject({ state: 'rejected', decisionReason: 'out of scope', decidedBy: 'usr_op' });
    const audit = await t.store.audit.list({ subject: a.id });
    expect(audit.map((x) => x.action)).toEqual(expect.arrayContaining(['application.create', 'application.submit', 'application.reject']));
  });

  it('a review is not saved on an application that changed after it was read (conflict)', async () => {
    const programs = setup();
    const { program: p } = await program(programs, 100);
    const reviewerSeed = await seedTenant(t.store);
    const reviewer = actorFor(reviewerSeed.user);
    await programs.addReviewer(operator, p.id, reviewerSeed.user.email);
    // A store whose next transaction first lets `meanwhile` run (another request, committed in between).
    let meanwhile: (() => Promise<unknown>) | undefined;
    const racing = new Proxy(t.store, {
      get(target, key) {
        if (key === 'transaction') {
          return async (fn: (tx: Store) => Promise<unknown>) => {
            const m = meanwhile;
            meanwhile = undefined;
            if (m) await m();
            return target.transaction(fn);
          };
        }
        return Reflect.get(target, key, target);
      },
    });
    const scoring = setup(racing);
    for (const from of ['submitted', 'under_review'] as const) {
      const owner = actorFor((await seedTenant(t.store)).user);
      const a = await programs.apply(owner, { program: p.id, title: 't', description: 'd', accelerators: [{ type: 'nvidia-h100-sxm-80gb', count: 1 }], durationDays: 10, serviceUnits: 5, expectedOutputs: [], submit: true });
      if (from === 'under_review') {
        const other = await seedTenant(t.store);
        await programs.addReviewer(operator, p.id, other.user.email);
        await programs.score(actorFor(other.user), a.id, { scores: { merit: 5 }, comment: '' });
      }
      expect((await t.store.applications.get(a.id))!.state).toBe(from);
      const before = await t.store.reviews.list(a.id);
      const scoredBefore = (await t.store.audit.list({ subject: a.id })).filter((x) => x.action === 'application.score').length;
      // rejected by an operator (still submitted when read) / withdrawn by its owner (under review when read)
      meanwhile = () => (from === 'submitted' ? programs.reject(operator, a.id, 'out of scope') : programs.withdraw(owner, a.id));
      await expect(scoring.score(reviewer, a.id, { scores: { merit: 9 }, comment: 'late' })).rejects.toMatchObject({ code: 'conflict' });
      expect(await t.store.reviews.list(a.id)).toEqual(before);
      expect((await t.store.applications.get(a.id))!.state).toBe(from === 'submitted' ? 'rejected' : 'withdrawn');
      expect((await t.store.audit.list({ subject: a.id })).filter((x) => x.action === 'application.score')).toHaveLength(scoredBefore);
    }
  });
});
