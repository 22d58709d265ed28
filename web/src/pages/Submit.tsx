/**
 * Submit a job. The form builds a JobSubmit body and checks it with the shared zod schema before sending,
 * so the messages are the contract's own; the server's problem details (per-field `errors`) land next to
 * the same fields. Choices come from the live cluster: partitions and accelerator types that exist, with
 * how many devices are free now, and the most device-hours the job can use (its time limit × devices).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { JobSubmit } from '../../../src/contract/index.ts';
import { ApiError, type Allocation, type JobSubmitBody, type Node, type Rate } from '../api.ts';
import { ErrorBox, Field, fieldAria, PageTitle } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { href, navigate } from '../router.ts';
import { useSession } from '../session.tsx';

/** Splits a command line into argv: whitespace separates, '…' and "…" quote, \ escapes. No shell runs it. */
export function splitArgv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

interface Form {
  name: string;
  project: string;
  partition: string;
  accelerator: string;
  tasks: string;
  devicesPerTask: string;
  cpusPerTask: string;
  memoryGb: string;
  hours: string;
  minutes: string;
  mode: 'command' | 'script';
  command: string;
  script: string;
  priority: string;
  environment: string;
  workdir: string;
  allocation: string;
  reservation: string;
}

const num = (s: string): number | string | undefined => (s.trim() === '' ? undefined : Number.isFinite(Number(s)) ? Number(s) : s);

function toBody(f: Form): { body: JobSubmitBody; envErrors: string[] } {
  const envErrors: string[] = [];
  const environment: Record<string, string> = {};
  for (const line of f.environment.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq <= 0) envErrors.push(line);
    else environment[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const hours = Number(f.hours || 0);
  const minutes = Number(f.minutes || 0);
  const mem = num(f.memoryGb);
  const body: Record<string, unknown> = {
    name: f.name.trim() || undefined,
    project: f.project || undefined,
    partition: f.partition || undefined,
    acceleratorTypes: f.accelerator ? [f.accelerator] : undefined,
    tasks: num(f.tasks),
    devicesPerTask: num(f.devicesPerTask),
    cpusPerTask: num(f.cpusPerTask),
    memoryMbPerTask: typeof mem === 'number' ? Math.round(mem * 1024) : mem,
    timeLimitSeconds: f.hours === '' && f.minutes === '' ? undefined : Math.round(hours * 3600 + minutes * 60),
    priority: num(f.priority),
    environment: Object.keys(environment).length > 0 ? environment : undefined,
    workingDirectory: f.workdir.trim() || undefined,
    allocation: f.allocation || undefined,
    reservation: f.reservation || undefined,
  };
  if (f.mode === 'command') {
    const argv = splitArgv(f.command);
    body.command = argv.length > 0 ? argv : undefined;
  } else {
    body.script = f.script === '' ? undefined : f.script;
  }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return { body: body as JobSubmitBody, envErrors };
}

/** Which input a contract path belongs to. */
const FIELD_OF: Record<string, string> = {
  name: 'name', project: 'project', partition: 'partition', acceleratorTypes: 'accelerator', tasks: 'tasks',
  devicesPerTask: 'devicesPerTask', cpusPerTask: 'cpusPerTask', memoryMbPerTask: 'memoryGb', timeLimitSeconds: 'time',
  command: 'command', script: 'script', priority: 'priority', environment: 'environment', workingDirectory: 'workdir', allocation: 'allocation', reservation: 'reservation',
  nodes: 'tasks', tasksPerNode: 'tasks',
};
const fieldOf = (path: string) => FIELD_OF[path.replace(/^body\./, '').split(/[.[]/)[0]!] ?? '';

export function SubmitPage() {
  const { t, number, duration, amount } = useI18n();
  const s = useSession();
  const nodes = useLoad((signal) => s.api.nodes(signal), [s.api]);
  const catalog = useLoad((signal) => s.api.acceleratorTypes(signal), [s.api]);
  // Allocations and rates exist only where the allocation service runs; without them the estimate says so.
  const allocations = useLoad((signal) => s.api.allocations({}, signal).catch(() => null), [s.api]);
  const rates = useLoad((signal) => s.api.rates(signal).catch(() => null), [s.api]);
  const reservations = useLoad((signal) => s.api.reservations({ current: true }, signal).catch(() => null), [s.api]);
  const [f, setF] = useState<Form>({
    name: '', project: '', partition: '', accelerator: '', tasks: '1', devicesPerTask: '1', cpusPerTask: '1', memoryGb: '4',
    hours: '1', minutes: '0', mode: 'command', command: '', script: '#!/bin/bash\n#SBATCH --job-name=train\n\necho "hello from $SLURM_JOB_ID"\n', priority: '',
    environment: '', workdir: '', allocation: '', reservation: '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((x) => ({ ...x, [k]: v }));

  const partitions = useMemo(() => [...new Set((nodes.data?.items ?? []).map((n) => n.partition))], [nodes.data]);
  const types = useMemo(() => {
    const m = new Map<string, Set<string>>();
    for (const n of nodes.data?.items ?? []) for (const d of n.devices) (m.get(d.type) ?? m.set(d.type, new Set()).get(d.type)!).add(n.partition);
    return m;
  }, [nodes.data]);
  const modelOf = (id: string) => catalog.data?.items.find((a) => a.id === id)?.model ?? id;

  const { body } = toBody(f);
  const devices = (typeof body.tasks === 'number' ? body.tasks : 1) * (typeof body.devicesPerTask === 'number' ? body.devicesPerTask : 0);
  const limit = typeof body.timeLimitSeconds === 'number' ? body.timeLimitSeconds : 3600;
  const fit = freeDevices(nodes.data?.items ?? [], f.partition, f.accelerator);
  const usable = (allocations.data?.items ?? []).filter((a) => a.state === 'active' && (s.isOperator ? a.tenant === s.me.tenant?.id : true));
  const chosen = f.allocation ? usable.find((a) => a.id === f.allocation) : [...usable].sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt))[0];
  const cpus = (typeof body.tasks === 'number' ? body.tasks : 1) * (typeof body.cpusPerTask === 'number' ? body.cpusPerTask : 1);
  const rate = rates.data ? worstRate(rates.data.items, devices > 0 ? 'device' : 'cpu', f.accelerator) : null;
  const ownReservations = (reservations.data?.items ?? []).filter((r) => !s.isOperator || r.tenant === s.me.tenant?.id);
  // A job in a reservation pays the reservation multiplier (1× when none is set).
  const multiplier = f.reservation ? rates.data?.items.find((r) => r.inForce && r.resource === 'reservation_multiplier')?.multiplier ?? 1 : 1;
  const cost = rate === null ? null : ((devices > 0 ? devices : cpus) * limit * rate * multiplier) / 3600;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    const { body: b, envErrors } = toBody(f);
    const parsed = JobSubmit.safeParse(b);
    const errs: Record<string, string> = {};
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const k = fieldOf(i.path.join('.'));
        if (k && !errs[k]) errs[k] = i.message;
      }
    }
    if (envErrors.length > 0) errs.environment = `NAME=value: ${envErrors.join(', ')}`;
    setErrors(errs);
    if (Object.keys(errs).length > 0) {
      document.getElementById(Object.keys(errs)[0] === 'time' ? 'hours' : Object.keys(errs)[0]!)?.focus();
      return;
    }
    setBusy(true);
    try {
      const job = await s.api.submitJob(b);
      navigate(href('jobs', job.id));
    } catch (err) {
      setProblem(err);
      if (err instanceof ApiError && err.problem.errors) {
        setErrors(Object.fromEntries(err.problem.errors.map((x) => [fieldOf(x.path), x.message]).filter(([k]) => k)));
      }
    } finally {
      setBusy(false);
    }
  }

  const input = (id: keyof Form, props: Record<string, unknown> = {}) => (
    <input id={id} value={f[id]} onChange={(e) => set(id, e.target.value as never)} {...fieldAria(id, errors[id])} {...props} />
  );

  return (
    <div className="page">
      <PageTitle title={t('submit.title')}>{t('submit.title')}</PageTitle>
      <p className="muted">{t('submit.intro')}</p>
      <form className="submit-form" onSubmit={submit} noValidate>
        {Object.keys(errors).length > 0 ? <div className="alert alert-error" role="alert">{t('submit.invalid')}</div> : null}
        <ErrorBox error={problem} />
        <div className="grid-2">
          <fieldset className="card">
            <legend>{t('job.resources')}</legend>
            <Field id="name" label={t('submit.name')} error={errors.name}>{input('name', { placeholder: 'train-llm', autoComplete: 'off' })}</Field>
            {s.me.projects.length > 1 ? (
              <Field id="project" label={t('submit.project')} error={errors.project}>
                <select id="project" value={f.project} onChange={(e) => set('project', e.target.value)}>
                  <option value="">{s.me.projects.find((p) => p.slug === 'default')?.name ?? 'default'}</option>
                  {s.me.projects.filter((p) => p.slug !== 'default').map((p) => <option key={p.id} value={p.slug}>{p.name}</option>)}
                </select>
              </Field>
            ) : null}
            <Field id="accelerator" label={t('submit.accelerator')} error={errors.accelerator}>
              <select id="accelerator" value={f.accelerator} onChange={(e) => {
                const type = e.target.value;
                const parts = types.get(type);
                setF((x) => ({ ...x, accelerator: type, partition: type && parts && !parts.has(x.partition) ? [...parts][0]! : x.partition, devicesPerTask: type && x.devicesPerTask === '0' ? '1' : x.devicesPerTask }));
              }} {...fieldAria('accelerator', errors.accelerator)}>
                <option value="">{t('submit.anyAccelerator')}</option>
                {[...types.keys()].map((id) => <option key={id} value={id}>{modelOf(id)} ({id})</option>)}
              </select>
            </Field>
            <Field id="partition" label={t('submit.partition')} error={errors.partition}>
              <select id="partition" value={f.partition} onChange={(e) => set('partition', e.target.value)} {...fieldAria('partition', errors.partition)}>
                <option value="">—</option>
                {partitions.map((p) => <option key={p} value={p}>{p}</option>)}
              </select>
            </Field>
            <div className="row">
              <Field id="tasks" label={t('submit.tasks')} error={errors.tasks}>{input('tasks', { type: 'number', min: 1, inputMode: 'numeric' })}</Field>
              <Field id="devicesPerTask" label={t('submit.devicesPerTask')} error={errors.devicesPerTask}>{input('devicesPerTask', { type: 'number', min: 0, inputMode: 'numeric' })}</Field>
            </div>
            <div className="row">
              <Field id="cpusPerTask" label={t('submit.cpusPerTask')} error={errors.cpusPerTask}>{input('cpusPerTask', { type: 'number', min: 1, inputMode: 'numeric' })}</Field>
              <Field id="memoryGb" label={t('submit.memoryPerTask')} error={errors.memoryGb}>{input('memoryGb', { type: 'number', min: 0, step: 'any', inputMode: 'decimal' })}</Field>
            </div>
            <fieldset className={'inline' + (errors.time ? ' field-invalid' : '')} aria-describedby={errors.time ? 'time-error' : undefined}>
              <legend>{t('submit.timeLimit')}</legend>
              <div className="row">
                <Field id="hours" label={t('submit.hours')}>{input('hours', { type: 'number', min: 0, inputMode: 'numeric' })}</Field>
                <Field id="minutes" label={t('submit.minutes')}>{input('minutes', { type: 'number', min: 0, max: 59, inputMode: 'numeric' })}</Field>
              </div>
              {errors.time ? <small id="time-error" className="field-error" role="alert">{errors.time}</small> : null}
            </fieldset>
          </fieldset>
          <fieldset className="card">
            <legend>{t('submit.what')}</legend>
            <div role="radiogroup" aria-label={t('submit.what')} className="tabs">
              {(['command', 'script'] as const).map((m) => (
                <label key={m} className={'tab' + (f.mode === m ? ' tab-active' : '')}>
                  <input type="radio" name="mode" value={m} checked={f.mode === m} onChange={() => set('mode', m)} /> {t(`submit.mode.${m}`)}
                </label>
              ))}
            </div>
            {f.mode === 'command' ? (
              <Field id="command" label={t('submit.command')} error={errors.command} hint={t('submit.commandHint')}>
                <input id="command" className="mono" value={f.command} onChange={(e) => set('command', e.target.value)} spellCheck={false} autoComplete="off" {...fieldAria('command', errors.command, t('submit.commandHint'))} />
              </Field>
            ) : (
              <>
                <Field id="script" label={t('submit.script')} error={errors.script ?? errors.command} hint={t('submit.scriptHint')}>
                  <textarea id="script" className="mono" rows={12} value={f.script} onChange={(e) => set('script', e.target.value)} spellCheck={false} {...fieldAria('script', errors.script, t('submit.scriptHint'))} />
                </Field>
                <Field id="upload" label={t('submit.upload')}>
                  <input id="upload" type="file" accept=".sh,.sbatch,.slurm,text/*" onChange={async (e) => {
                    const file = e.target.files?.[0];
                    if (file) set('script', await file.text());
                  }} />
                </Field>
              </>
            )}
            {usable.length > 0 ? (
              <Field id="allocation" label={t('submit.allocation')} error={errors.allocation}>
                <select id="allocation" value={f.allocation} onChange={(e) => set('allocation', e.target.value)} {...fieldAria('allocation', errors.allocation)}>
                  <option value="">{t('submit.allocationDefault')}</option>
                  {usable.map((a: Allocation) => <option key={a.id} value={a.id}>{a.name} — {amount(a.balance.available)} SU</option>)}
                </select>
              </Field>
            ) : null}
            {ownReservations.length > 0 ? (
              <Field id="reservation" label={t('submit.reservation')} error={errors.reservation}>
                <select id="reservation" value={f.reservation} onChange={(e) => set('reservation', e.target.value)} {...fieldAria('reservation', errors.reservation)}>
                  <option value="">{t('submit.noReservation')}</option>
                  {ownReservations.map((r) => <option key={r.id} value={r.id}>{r.name} — {r.nodes.join(', ')}</option>)}
                </select>
              </Field>
            ) : null}
            <details>
              <summary>{t('submit.advanced')}</summary>
              <Field id="priority" label={t('submit.priority')} error={errors.priority}>{input('priority', { type: 'number', min: -1000, max: 1000 })}</Field>
              <Field id="environment" label={t('submit.environment')} error={errors.environment}>
                <textarea id="environment" className="mono" rows={3} value={f.environment} onChange={(e) => set('environment', e.target.value)} spellCheck={false} {...fieldAria('environment', errors.environment)} />
              </Field>
              <Field id="workdir" label={t('submit.workdir')} error={errors.workdir}>{input('workdir', { className: 'mono', placeholder: '/home/me/project' })}</Field>
            </details>
            <section className="estimate" aria-labelledby="est-h" aria-live="polite" data-testid="estimate">
              <h2 id="est-h">{t('submit.estimate')}</h2>
              <p>{devices > 0
                ? t('submit.estimateValue', { hours: number((devices * limit) / 3600, 2), devices, limit: duration(limit) })
                : t('submit.estimateCpu', { hours: number(((typeof body.tasks === 'number' ? body.tasks : 1) * (typeof body.cpusPerTask === 'number' ? body.cpusPerTask : 1) * limit) / 3600, 2) })}</p>
              {fit.total > 0 && devices > 0 ? (
                <p className={fit.free >= devices ? '' : 'warn'}>{t('submit.capacityFit', { free: fit.free, total: fit.total, type: f.accelerator ? modelOf(f.accelerator) : '', partition: f.partition || '—' })}</p>
              ) : null}
              {!rates.data || !allocations.data ? <p className="muted small">{t('submit.balanceMissing')}</p>
                : rate === null ? <p className="muted small">{t('submit.noRate')}</p>
                : cost !== null && chosen ? (
                  <p className={cost > chosen.balance.available ? 'warn' : ''} data-testid="cost">
                    {t('submit.cost', { su: amount(cost), rate: amount(rate), available: amount(chosen.balance.available), allocation: chosen.name })}
                    {cost > chosen.balance.available ? <> {t('submit.costOver', { available: amount(chosen.balance.available) })}</> : null}
                  </p>
                ) : null}
            </section>
          </fieldset>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? t('submit.working') : t('submit.submit')}</button>
      </form>
    </div>
  );
}

function freeDevices(nodes: readonly Node[], partition: string, type: string): { free: number; total: number } {
  let free = 0;
  let total = 0;
  for (const n of nodes) {
    if (partition && n.partition !== partition) continue;
    for (const d of n.devices) {
      if (type && d.type !== type) continue;
      total++;
      if (n.state === 'up' && !n.allocatedDevices.includes(d.index)) free++;
    }
  }
  return { free, total };
}

/**
 * SU per device-hour (or CPU-hour) the server will hold for this job at most: the in-force rate of the
 * chosen accelerator type (else the rate for any type), or for "any type" the highest device rate, as
 * the server's worst-case submit cost does (services/accounting/enforcement.ts).
 */
export function worstRate(rates: readonly Rate[], resource: 'device' | 'cpu', type: string): number | null {
  const inForce = rates.filter((r) => r.inForce && r.resource === resource && r.serviceUnitsPerHour !== null);
  if (resource === 'cpu') return inForce[0]?.serviceUnitsPerHour ?? null;
  const forType = (ty: string | null) => inForce.find((r) => r.acceleratorType === ty)?.serviceUnitsPerHour ?? null;
  if (type) return forType(type) ?? forType(null);
  const all = inForce.map((r) => r.serviceUnitsPerHour!);
  return all.length > 0 ? Math.max(...all) : null;
}
