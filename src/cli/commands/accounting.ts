/**
 * Programs and allocations on the command line:
 *   cheomdan programs [create|show|reviewer]   calls for applications
 *   cheomdan apply                              an owner applies (submits at once unless --draft)
 *   cheomdan applications [show|submit|withdraw]
 *   cheomdan review <application> --score k=v  an assigned reviewer scores
 *   cheomdan approve|reject <application>      operators decide, with a reason
 *   cheomdan allocations [create|show|suspend|resume|adjust|tranche|expire]
 *   cheomdan balance                            your allocations' balances
 *   cheomdan rates [set]                        service units per device-hour / CPU-hour / TB-month
 *   cheomdan ledger                             the ledger (yours; operators: all)
 *   cheomdan outputs add|list, cheomdan progress file|review
 *   cheomdan report usage|utilisation|at-risk|outputs|schedule [--csv]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import {
  Allocation, AllocationReport, Application, LedgerTransaction, Output, Program, Rate, UsageReport, USAGE_DIMENSIONS,
} from '../../contract/accounting.ts';
import { toCsv } from '../../core/accounting/report.ts';
import { UsageError } from '../config.ts';
import type { Cli } from '../context.ts';
import { formatTime, table } from '../format.ts';

const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });
const su = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 3 })} SU`;
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const amount = (s: string) => {
  if (!/^-?\d+(\.\d{1,3})?$/.test(s)) throw new InvalidArgumentError('give an amount of SU, e.g. 1500 or 12.5');
  return s;
};
const terabytes = (s: string) => {
  if (!/^\d+(\.\d{1,3})?$/.test(s)) throw new InvalidArgumentError('give storage in TB with at most 3 decimals, e.g. 10 or 0.5');
  return Number(s);
};
const int = (s: string) => {
  if (!/^\d+$/.test(s)) throw new InvalidArgumentError('give a whole number');
  return Number(s);
};
const collect = (v: string, prev: string[] = []) => [...prev, v];
const enc = encodeURIComponent;

/** "nvidia-h100-sxm-80gb:8" → { type, count }. */
const accelAsk = (v: string, prev: { type: string; count: number }[] = []) => {
  const m = /^([^:]+):(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('give TYPE:COUNT, e.g. nvidia-h100-sxm-80gb:8');
  return [...prev, { type: m[1]!, count: Number(m[2]) }];
};

/** "impact:2,feasibility:1" → criteria. */
const criteria = (v: string) => list(v).map((c) => {
  const m = /^([a-z][a-z0-9_]*):(\d+(\.\d+)?)$/.exec(c);
  if (!m) throw new InvalidArgumentError('give KEY:WEIGHT pairs, e.g. impact:2,feasibility:1');
  return { key: m[1]!, name: m[1]!.replaceAll('_', ' '), weight: Number(m[2]) };
});

const allocationsTable = (xs: readonly z.infer<typeof Allocation>[]) => table(xs, [
  { header: 'ID', get: (a) => a.id },
  { header: 'TENANT', get: (a) => a.tenant, max: 20 },
  { header: 'NAME', get: (a) => a.name, max: 30 },
  { header: 'STATE', get: (a) => a.state },
  { header: 'AWARDED', get: (a) => su(a.balance.awarded), right: true },
  { header: 'AVAILABLE', get: (a) => su(a.balance.available), right: true },
  { header: 'HELD', get: (a) => su(a.balance.held), right: true },
  { header: 'SPENT', get: (a) => su(a.balance.spent), right: true },
  { header: 'ENDS', get: (a) => formatTime(a.endsAt) },
]);

export function registerAccounting(program: Command, cli: Cli): void {
  const get = async <S extends z.ZodType>(path: string, schema: S) => (await cli.client()).request('GET', path, schema);
  const send = async <S extends z.ZodType>(path: string, schema: S, body: unknown = {}) => (await cli.client()).request('POST', path, schema, body);
  const print = (value: unknown, text: string) => (cli.json ? cli.printJson(value) : cli.out(text));

  // programs ---------------------------------------------------------------------------------------------------
  const programs = program.command('programs').description('Programs: calls for applications');
  programs.action(async () => {
    const { items: ps } = await get('/v1/programs', items(Program));
    if (cli.json) return cli.printJson({ items: ps });
    cli.out(ps.length === 0 ? 'no programs' : table(ps, [
      { header: 'SLUG', get: (p) => p.slug }, { header: 'NAME', get: (p) => p.name, max: 40 },
      { header: 'OPEN', get: (p) => (p.open ? 'yes' : 'no') }, { header: 'CLOSES', get: (p) => formatTime(p.closesAt) },
      { header: 'BUDGET', get: (p) => su(p.budget), right: true }, { header: 'LEFT', get: (p) => su(p.remaining), right: true },
    ]));
  });
  programs.command('create').description('Open a program (operators)')
    .requiredOption('--slug <slug>', 'short name, e.g. gwangju-2027')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--opens <date>', 'application window opens (ISO date/time)')
    .requiredOption('--closes <date>', 'application window closes')
    .requiredOption('--budget <su>', 'total budget in service units', amount)
    .requiredOption('--criteria <list>', 'review criteria with weights, e.g. impact:2,feasibility:1', criteria)
    .option('--description <text>', 'what the program is for', '')
    .option('--cap <su>', 'most SU one organization may be awarded', amount)
    .option('--kinds <list>', 'eligible tenant kinds (comma-separated)', list, [])
    .option('--sectors <list>', 'eligible sectors', list, [])
    .option('--regions <list>', 'eligible regions', list, [])
    .option('--first-tranche <pct>', '% of an award released at once; the rest when a progress report is accepted', int, 100)
    .option('--report-months <list>', 'progress reports due these months after the start, e.g. 1,3,9', (v) => list(v).map(int), [])
    .option('--discount <pct>', 'discount recorded on awarded allocations', int, 0)
    .action(async (f) => {
      const p = await send('/v1/programs', Program, {
        slug: f.slug, name: f.name, description: f.description, opensAt: f.opens, closesAt: f.closes, budget: f.budget,
        ...(f.cap !== undefined ? { tenantCap: f.cap } : {}), criteria: f.criteria,
        eligibility: { tenantKinds: f.kinds, sectors: f.sectors, regions: f.regions },
        allocationTerms: { firstTranchePct: f.firstTranche, progressReportMonths: f.reportMonths, discountPct: f.discount },
      });
      print(p, `opened program ${p.slug} (${p.id}) with ${su(p.budget)}`);
    });
  programs.command('show').argument('<program>', 'id or slug').description('One program').action(async (id: string) => {
    const p = await get(`/v1/programs/${enc(id)}`, Program);
    print(p, [`${p.name} (${p.slug})`, `window: ${formatTime(p.opensAt)} – ${formatTime(p.closesAt)}${p.open ? ' (open)' : ''}`,
      `budget: ${su(p.budget)}, left: ${su(p.remaining)}${p.tenantCap !== null ? `, cap per organization ${su(p.tenantCap)}` : ''}`,
      `criteria: ${p.criteria.map((c) => `${c.key}×${c.weight}`).join(', ')}`].join('\n'));
  });
  programs.command('reviewer').description('Assign a reviewer to a program (operators)').argument('<program>').argument('<user>', 'user id or email')
    .action(async (prog: string, user: string) => {
      const p = await send(`/v1/programs/${enc(prog)}/reviewers`, Program, { user });
      print(p, `${user} reviews ${p.slug}`);
    });

  // applications ---------------------------------------------------------------------------------------------
  program.command('apply').description("Apply for an allocation under a program (your organization's owner)")
    .requiredOption('--program <program>', 'program id or slug')
    .requiredOption('--title <title>', 'project title')
    .requiredOption('--description <text>', 'what, why, how')
    .requiredOption('--accel <type:count>', 'accelerators wanted, repeatable (e.g. nvidia-h100-sxm-80gb:8)', accelAsk)
    .requiredOption('--days <n>', 'duration in days', int)
    .requiredOption('--su <amount>', 'service units asked for', amount)
    .option('--output <text>', 'an expected output (repeatable): paper, model, dataset…', collect)
    .option('--region <region>', 'your region (for regional programs)')
    .option('--project <project>', 'the project the allocation is for (default: the whole organization)')
    .option('--draft', 'keep it as a draft instead of submitting')
    .action(async (f) => {
      const a = await send('/v1/applications', Application, {
        program: f.program, title: f.title, description: f.description, accelerators: f.accel, durationDays: f.days,
        serviceUnits: f.su, expectedOutputs: f.output ?? [], ...(f.region ? { region: f.region } : {}),
        ...(f.project ? { project: f.project } : {}), submit: !f.draft,
      });
      print(a, `application ${a.id} ${a.state} (${su(a.serviceUnits)})`);
    });
  const apps = program.command('applications').description('Applications you can see')
    .option('--program <program>').addOption(new Option('--state <state>').choices(['draft', 'submitted', 'under_review', 'approved', 'rejected', 'withdrawn']));
  apps.action(async (f: { program?: string; state?: string }) => {
    const q = new URLSearchParams({ ...(f.program ? { program: f.program } : {}), ...(f.state ? { state: f.state } : {}) });
    const { items: as } = await get(`/v1/applications?${q}`, items(Application));
    if (cli.json) return cli.printJson({ items: as });
    cli.out(as.length === 0 ? 'no applications' : table(as, [
      { header: 'ID', get: (a) => a.id }, { header: 'TENANT', get: (a) => a.tenant, max: 20 }, { header: 'TITLE', get: (a) => a.title, max: 36 },
      { header: 'STATE', get: (a) => a.state }, { header: 'ASKED', get: (a) => su(a.serviceUnits), right: true },
      { header: 'AWARDED', get: (a) => (a.approvedServiceUnits === null ? '-' : su(a.approvedServiceUnits)), right: true },
    ]));
  });
  apps.command('show').argument('<application>').description('One application, with its reviews when you may see them').action(async (id: string) => {
    const a = await get(`/v1/applications/${enc(id)}`, Application);
    print(a, [`${a.title} (${a.id}): ${a.state}`, `asked ${su(a.serviceUnits)} for ${a.durationDays} days: ${a.accelerators.map((x) => `${x.count}× ${x.type}`).join(', ')}`,
      ...(a.score !== null ? [`score: ${a.score} (${a.reviews?.length ?? 0} reviews)`] : []),
      ...(a.decidedAt ? [`decided ${formatTime(a.decidedAt)} by ${a.decidedBy}: ${a.decisionReason}`] : [])].join('\n'));
  });
  for (const verb of ['submit', 'withdraw'] as const) {
    apps.command(verb).argument('<application>').description(`${verb[0]!.toUpperCase()}${verb.slice(1)} an application (owners)`).action(async (id: string) => {
      const a = await send(`/v1/applications/${enc(id)}/${verb}`, Application);
      print(a, `application ${a.id} ${a.state}`);
    });
  }
  program.command('review').description('Score an application (reviewers assigned to its program)').argument('<application>')
    .requiredOption('--score <key=value>', 'a criterion score 0–10, repeatable (e.g. --score impact=8)', collect)
    .option('--comment <text>', 'comment for the operators', '')
    .action(async (id: string, f: { score: string[]; comment: string }) => {
      const scores: Record<string, number> = {};
      for (const s of f.score) {
        const m = /^([a-z][a-z0-9_]*)=(\d+(\.\d+)?)$/.exec(s);
        if (!m) throw new InvalidArgumentError(`--score ${s}: give KEY=VALUE, e.g. impact=8`);
        scores[m[1]!] = Number(m[2]);
      }
      const a = await send(`/v1/applications/${enc(id)}/reviews`, Application, { scores, comment: f.comment });
      print(a, `scored ${a.id} (${a.state})`);
    });
  program.command('approve').description('Approve an application and award an allocation (operators)').argument('<application>')
    .requiredOption('--reason <text>', 'why (recorded)')
    .option('--su <amount>', 'award less than asked', amount)
    .option('--starts <date>', 'allocation start (default now)')
    .action(async (id: string, f: { reason: string; su?: string; starts?: string }) => {
      const r = await send(`/v1/applications/${enc(id)}/approve`, z.object({ application: Application, allocation: Allocation }), {
        reason: f.reason, ...(f.su ? { serviceUnits: f.su } : {}), ...(f.starts ? { startsAt: f.starts } : {}),
      });
      print(r, `approved ${r.application.id}: allocation ${r.allocation.id} with ${su(r.allocation.serviceUnits)} (${su(r.allocation.balance.available)} available now)`);
    });
  program.command('reject').description('Reject an application (operators)').argument('<application>').requiredOption('--reason <text>', 'why (the applicant sees it)')
    .action(async (id: string, f: { reason: string }) => {
      const a = await send(`/v1/applications/${enc(id)}/reject`, Application, { reason: f.reason });
      print(a, `rejected ${a.id}: ${a.decisionReason}`);
    });

  // allocations ----------------------------------------------------------------------------------------------
  const allocations = program.command('allocations').description('Allocations with balances (yours; operators: all)')
    .option('--tenant <tenant>').option('--program <program>');
  allocations.action(async (f: { tenant?: string; program?: string }) => {
    const q = new URLSearchParams({ ...(f.tenant ? { tenant: f.tenant } : {}), ...(f.program ? { program: f.program } : {}) });
    const { items: as } = await get(`/v1/allocations?${q}`, items(Allocation));
    if (cli.json) return cli.printJson({ items: as });
    cli.out(as.length === 0 ? 'no allocations' : allocationsTable(as));
  });
  allocations.command('create').description('Grant an allocation directly (operators)')
    .option('--tenant <tenant>', 'the tenant granted the allocation (required)').requiredOption('--name <name>').requiredOption('--su <amount>', 'service units', amount)
    .requiredOption('--ends <date>', 'end of the allocation period').requiredOption('--limit <devices>', 'devices at once', int)
    .option('--types <list>', 'allowed accelerator types', list, []).option('--project <project>').option('--program <program>', "draw from this program's budget")
    .option('--starts <date>').option('--first-tranche <pct>', '% released now', int, 100).option('--weight <n>', 'fair-share weight', int, 1)
    .option('--storage-tb <tb>', 'storage granted, TB (charged per TB-month at the storage rate)', terabytes)
    .action(async (f) => {
      // `allocations --tenant/--program` (the list's filters) parse those flags wherever they stand, so the
      // grantee and the program may arrive on the parent command.
      const tenant = f.tenant ?? allocations.opts().tenant;
      const programFlag = f.program ?? allocations.opts().program;
      if (!tenant) throw new UsageError("say which tenant gets the allocation: --tenant <slug or id>");
      const a = await send('/v1/allocations', Allocation, {
        tenant, name: f.name, serviceUnits: f.su, endsAt: f.ends, concurrentLimit: f.limit, acceleratorTypes: f.types,
        ...(f.project ? { project: f.project } : {}), ...(programFlag ? { program: programFlag } : {}), ...(f.starts ? { startsAt: f.starts } : {}),
        firstTranchePct: f.firstTranche, fairShareWeight: f.weight, ...(f.storageTb !== undefined ? { storageTb: f.storageTb } : {}),
      });
      print(a, `allocation ${a.id}: ${su(a.serviceUnits)}${a.storageTb > 0 ? ` and ${a.storageTb} TB of storage` : ''} for ${a.tenant}`);
    });
  allocations.command('show').argument('<allocation>').action(async (id: string) => {
    const a = await get(`/v1/allocations/${enc(id)}`, Allocation);
    print(a, allocationsTable([a]));
  });
  for (const [verb, needsReason] of [['suspend', true], ['resume', false], ['tranche', true], ['expire', true]] as const) {
    const c = allocations.command(verb).argument('<allocation>').description(`${verb === 'tranche' ? 'Release the next tranche' : verb[0]!.toUpperCase() + verb.slice(1)} (operators)`);
    if (needsReason) c.requiredOption('--reason <text>', 'why (recorded)');
    c.action(async (id: string, f: { reason?: string }) => {
      const a = await send(`/v1/allocations/${enc(id)}/${verb}`, Allocation, needsReason ? { reason: f.reason } : undefined);
      print(a, `allocation ${a.id}: ${a.state}, ${su(a.balance.available)} available`);
    });
  }
  allocations.command('adjust').argument('<allocation>').description('Add (or, negative, take back) SUs (operators)')
    .requiredOption('--su <amount>', 'e.g. 500 or -200', amount).requiredOption('--reason <text>', 'why (recorded)')
    .action(async (id: string, f: { su: string; reason: string }) => {
      const a = await send(`/v1/allocations/${enc(id)}/adjust`, Allocation, { serviceUnits: f.su, reason: f.reason });
      print(a, `allocation ${a.id}: ${su(a.balance.available)} available`);
    });

  program.command('balance').description("Your allocations' balances: available, held by running jobs, spent").action(async () => {
    const { items: as } = await get('/v1/allocations', items(Allocation));
    if (cli.json) return cli.printJson({ items: as.map((a) => ({ id: a.id, name: a.name, state: a.state, ...a.balance })) });
    cli.out(as.length === 0 ? 'no allocations: apply under a program with `cheomdan apply`' : allocationsTable(as));
  });

  // rates ----------------------------------------------------------------------------------------------------
  const rates = program.command('rates').description('Rates: service units per device-hour, CPU-hour, TB-month');
  rates.action(async () => {
    const { items: rs } = await get('/v1/rates', items(Rate));
    if (cli.json) return cli.printJson({ items: rs });
    cli.out(rs.length === 0 ? 'no rates' : table(rs, [
      { header: 'ID', get: (r) => String(r.id), right: true }, { header: 'RESOURCE', get: (r) => r.resource },
      { header: 'TYPE', get: (r) => r.acceleratorType ?? '(any)' },
      { header: 'RATE', get: (r) => (r.multiplier !== null ? `×${r.multiplier}` : `${su(r.serviceUnitsPerHour ?? 0)}/h`), right: true },
      { header: 'FROM', get: (r) => formatTime(r.effectiveFrom) }, { header: 'IN FORCE', get: (r) => (r.inForce ? 'yes' : '') },
    ]));
  });
  rates.command('set').description('Set a rate from now (or --from later); past charges keep their rates (operators)')
    .addOption(new Option('--resource <resource>').choices(['device', 'cpu', 'storage', 'reservation_multiplier']).default('device'))
    .option('--type <type>', 'accelerator type (device rates; default: any type without its own rate)')
    .option('--su <amount>', 'SU per device-hour / CPU-hour / TB-month', amount)
    .option('--multiplier <x>', 'for reservation_multiplier, e.g. 1.5', Number)
    .option('--from <date>', 'when it takes effect (default now)')
    .option('--note <text>', 'why', '')
    .action(async (f) => {
      const r = await send('/v1/rates', Rate, {
        resource: f.resource, ...(f.type ? { acceleratorType: f.type } : {}), ...(f.su !== undefined ? { serviceUnitsPerHour: f.su } : {}),
        ...(f.multiplier !== undefined ? { multiplier: f.multiplier } : {}), ...(f.from ? { effectiveFrom: f.from } : {}), note: f.note,
      });
      print(r, `rate ${r.id}: ${r.resource} ${r.acceleratorType ?? ''} ${r.multiplier !== null ? `×${r.multiplier}` : `${su(r.serviceUnitsPerHour ?? 0)}/h`} from ${formatTime(r.effectiveFrom)}`);
    });

  // ledger ---------------------------------------------------------------------------------------------------
  program.command('ledger').description('Ledger transactions (yours; operators: all), oldest first')
    .option('--allocation <id>').option('--job <id>').option('--kind <kind>').option('--limit <n>', 'at most', int, 200).option('--csv', 'print CSV')
    .action(async (f: { allocation?: string; job?: string; kind?: string; limit: number; csv?: boolean }) => {
      const q = new URLSearchParams({ limit: String(f.limit), ...(f.allocation ? { allocation: f.allocation } : {}), ...(f.job ? { job: f.job } : {}), ...(f.kind ? { kind: f.kind } : {}) });
      const { items: ts } = await get(`/v1/ledger?${q}`, items(LedgerTransaction));
      if (cli.json) return cli.printJson({ items: ts });
      if (f.csv) return cli.out(toCsv(ts.map(({ entries, ...t }) => ({ ...t, entries: entries.map((e) => `${e.account}=${e.serviceUnits}`) }))).trimEnd());
      cli.out(ts.length === 0 ? 'no transactions' : table(ts, [
        { header: 'ID', get: (t) => String(t.id), right: true }, { header: 'AT', get: (t) => formatTime(t.at) }, { header: 'KIND', get: (t) => t.kind },
        { header: 'ALLOCATION', get: (t) => t.allocation ?? '-' }, { header: 'JOB', get: (t) => t.job ?? '' },
        { header: 'SU', get: (t) => su(t.serviceUnits), right: true }, { header: 'MEMO', get: (t) => t.memo, max: 30 },
      ]));
    });

  // outputs and progress reports ------------------------------------------------------------------------------
  const outputs = program.command('outputs').description('Outputs of an allocation: papers, models, DOIs');
  outputs.command('add').argument('<allocation>')
    .addOption(new Option('--kind <kind>').choices(['paper', 'model', 'dataset', 'software', 'patent', 'other']).makeOptionMandatory())
    .requiredOption('--title <title>').option('--ref <reference>', 'DOI, URL or model id')
    .action(async (id: string, f: { kind: string; title: string; ref?: string }) => {
      const o = await send(`/v1/allocations/${enc(id)}/outputs`, Output, { kind: f.kind, title: f.title, ...(f.ref ? { reference: f.ref } : {}) });
      print(o, `recorded ${o.kind} "${o.title}" (${o.id})`);
    });
  outputs.command('list').argument('<allocation>').action(async (id: string) => {
    const { items: os } = await get(`/v1/allocations/${enc(id)}/outputs`, items(Output));
    print({ items: os }, os.length === 0 ? 'no outputs' : table(os, [{ header: 'KIND', get: (o) => o.kind }, { header: 'TITLE', get: (o) => o.title, max: 50 }, { header: 'REFERENCE', get: (o) => o.reference ?? '' }]));
  });
  const progress = program.command('progress').description('Progress and final reports of an allocation');
  progress.command('file').argument('<allocation>').addOption(new Option('--kind <kind>').choices(['progress', 'final']).default('progress'))
    .requiredOption('--text <text>', 'what was done, what is next')
    .action(async (id: string, f: { kind: string; text: string }) => {
      const r = await send(`/v1/allocations/${enc(id)}/reports`, AllocationReport, { kind: f.kind, text: f.text });
      print(r, `filed ${r.kind} report ${r.id}`);
    });
  progress.command('review').description('Accept (releases the next tranche) or reject a report (operators)').argument('<allocation>').argument('<report>')
    .addOption(new Option('--decision <decision>').choices(['accept', 'reject']).makeOptionMandatory()).option('--note <text>')
    .action(async (id: string, rid: string, f: { decision: string; note?: string }) => {
      const r = await send(`/v1/allocations/${enc(id)}/reports/${enc(rid)}/review`, AllocationReport, { decision: f.decision, ...(f.note ? { note: f.note } : {}) });
      print(r, `report ${r.id}: ${r.state}`);
    });

  // reports --------------------------------------------------------------------------------------------------
  const report = program.command('report').description('Usage and program reports');
  report.command('usage').description('Usage in SU and device-hours, grouped')
    .option('--from <date>').option('--to <date>').option('--program <program>').option('--tenant <tenant>')
    .option('--group-by <list>', `any of ${USAGE_DIMENSIONS.join(', ')}`, 'tenant,month,acceleratorType').option('--csv', 'print CSV')
    .action(async (f: { from?: string; to?: string; program?: string; tenant?: string; groupBy: string; csv?: boolean }) => {
      const q = new URLSearchParams({ groupBy: f.groupBy, ...(f.from ? { from: f.from } : {}), ...(f.to ? { to: f.to } : {}), ...(f.program ? { program: f.program } : {}), ...(f.tenant ? { tenant: f.tenant } : {}) });
      const u = await get(`/v1/reports/usage?${q}`, UsageReport);
      if (cli.json) return cli.printJson(u);
      const cols = [...u.groupBy, 'attempts', 'deviceHours', 'cpuHours', 'serviceUnits'];
      if (f.csv) return cli.out(toCsv(u.rows as Record<string, unknown>[], cols).trimEnd());
      const rows = [...u.rows, { ...u.total, [u.groupBy[0] ?? 'total']: 'TOTAL' }] as Record<string, unknown>[];
      cli.out(table(rows, cols.map((c) => ({ header: c.toUpperCase(), get: (r: Record<string, unknown>) => (c === 'serviceUnits' ? su(Number(r[c])) : String(r[c] ?? '')), right: !u.groupBy.includes(c as never) }))));
    });
  for (const [name, path, what] of [
    ['utilisation', 'utilisation', 'Capacity utilisation per accelerator type (operators)'],
    ['at-risk', 'at-risk', 'Allocations far off their spending pace, exhausted or suspended'],
    ['outputs', 'outputs', 'Outputs per allocation: the program KPIs'],
    ['schedule', 'schedule', 'Progress and final reports against their schedule'],
  ] as const) {
    report.command(name).description(what).option('--program <program>').option('--csv', 'print CSV').action(async (f: { program?: string; csv?: boolean }) => {
      const q = new URLSearchParams(f.program && name !== 'utilisation' ? { program: f.program } : {});
      const r = await get(`/v1/reports/${path}?${q}`, z.record(z.string(), z.unknown()));
      const rows = ((r.items ?? r.rows) as Record<string, unknown>[]).map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v])));
      if (cli.json) return cli.printJson(r);
      if (f.csv) return cli.out(toCsv(rows).trimEnd());
      cli.out(rows.length === 0 ? `nothing to report` : table(rows, Object.keys(rows[0]!).map((k) => ({ header: k.toUpperCase(), get: (x: Record<string, unknown>) => String(x[k] ?? ''), max: 40 }))));
    });
  }
}
