/**
 * The cluster: capacity per accelerator type in PF (GET /v1/capacity), every node × device as a heatmap
 * (GET /v1/nodes) with the job holding each device (from the running jobs' placements), and utilisation
 * over time drawn with uPlot. Everyone sees the heatmap (it answers "is the cluster full?"); job ids on
 * devices are shown only for jobs the caller may see, since the job list is tenant-scoped by the server.
 * Operators can drain, take down and resume nodes.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Capacity, Job, Node } from '../api.ts';
import { ErrorBox, Loading, PageTitle } from '../components/common.tsx';
import { useLoad, useThrottled } from '../hooks.ts';
import { useI18n } from '../i18n/index.tsx';
import { href, navigate } from '../router.ts';
import { useJobChanges, useSession } from '../session.tsx';
import { recordSample, UtilisationChart, UtilisationHistory } from './Utilisation.tsx';

/** Running jobs fetched to label devices; more than this and cells show "in use" without the job id. */
const MAX_LABEL_PAGES = 10;

export function ClusterPage() {
  const { t } = useI18n();
  const s = useSession();
  const nodes = useLoad((signal) => s.api.nodes(signal), [s.api]);
  const capacity = useLoad((signal) => s.api.capacity(signal), [s.api]);
  const health = useLoad((signal) => s.api.health(signal), [s.api]);
  const isolation = health.data?.isolation?.mode;
  const running = useLoad(async (signal) => {
    const out: Job[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_LABEL_PAGES; i++) {
      const p = await s.api.jobs({ state: ['starting', 'running'], limit: 500, cursor }, signal);
      out.push(...p.items);
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    return out;
  }, [s.api]);
  const refresh = useThrottled(() => {
    nodes.reload();
    capacity.reload();
    running.reload();
  }, 1500);
  useJobChanges(() => refresh());
  // Sample utilisation every 5 s even when nothing changes, so the chart's time axis moves.
  useEffect(() => {
    const id = setInterval(() => capacity.reload(), 5_000);
    return () => clearInterval(id);
  }, [capacity.reload]);
  useEffect(() => { if (capacity.data) recordSample(capacity.data); }, [capacity.data]);

  return (
    <div className="page">
      <PageTitle title={t('cluster.title')}>{t('cluster.title')}</PageTitle>
      <p className="muted">{t('cluster.intro')}</p>
      {isolation ? (
        <p className={isolation === 'single-user' ? 'warn' : 'muted'} data-testid="isolation-mode">
          {t(isolation === 'single-user' ? 'cluster.isolation.singleUser' : 'cluster.isolation.perUser')}
        </p>
      ) : null}
      <ErrorBox error={capacity.error ?? nodes.error} />
      {capacity.data ? <CapacityTable capacity={capacity.data} /> : <Loading />}
      <section className="card" aria-labelledby="heat-h">
        <div className="section-head">
          <h2 id="heat-h">{t('cluster.heatmap')}</h2>
          <Legend />
        </div>
        {nodes.data ? <Heatmap nodes={nodes.data.items} jobs={running.data ?? []} onChanged={() => { nodes.reload(); capacity.reload(); }} /> : <Loading />}
      </section>
      <section className="card" aria-labelledby="util-h">
        <h2 id="util-h">{t('cluster.utilisation')}</h2>
        {s.isOperator ? <UtilisationHistory /> : null}
        <h3>{t('cluster.utilisationLive')}</h3>
        <p className="muted small">{t('cluster.utilisationHint')}</p>
        <UtilisationChart />
      </section>
    </div>
  );
}

function CapacityTable({ capacity }: { capacity: Capacity }) {
  const { t, number } = useI18n();
  const tp = capacity.totalPetaflops;
  return (
    <section className="card" aria-labelledby="cap-h" data-testid="capacity">
      <div className="section-head">
        <h2 id="cap-h">{t('cluster.capacity')}</h2>
        <span className="headline">{t('cluster.headline', { pf: number(tp.headline, 2), precision: tp.precision })}</span>
        <span className="muted">{t('cluster.gpuNpu', { gpu: number(tp.byKind.gpu, 2), npu: number(tp.byKind.npu, 2) })}</span>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('cluster.type')}</th><th scope="col">{t('cluster.kind')}</th>
            <th scope="col" className="num">{t('cluster.nodes')}</th><th scope="col" className="num">{t('cluster.devices')}</th>
            <th scope="col" className="num">{t('cluster.up')}</th><th scope="col" className="num">{t('cluster.inUse')}</th>
            <th scope="col" className="num">{t('cluster.pf')}</th>
          </tr>
        </thead>
        <tbody>
          {capacity.rows.map((r) => (
            <tr key={r.acceleratorType}>
              <th scope="row">{r.model} <span className="muted mono small">{r.acceleratorType}</span>{r.declared ? <span className="tag" title={t('cluster.declared')}>declared</span> : null}</th>
              <td>{r.kind.toUpperCase()}</td>
              <td className="num">{r.nodes}</td>
              <td className="num">{r.devices}</td>
              <td className="num">{r.devicesUp}</td>
              <td className="num">{r.devicesAllocated}</td>
              <td className="num">{number(r.headlinePetaflops, 2)} {r.headlinePrecision ? <span className="muted small">{r.headlinePrecision}</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">{capacity.cpuNodes > 0 ? t('cluster.cpuNodes', { nodes: capacity.cpuNodes, cpus: capacity.cpus }) + ' · ' : ''}{tp.note}</p>
    </section>
  );
}

function Legend() {
  const { t } = useI18n();
  return (
    <ul className="legend" aria-label={t('cluster.legend')}>
      {(['free', 'allocated', 'draining', 'down'] as const).map((k) => (
        <li key={k}><span className={`cell cell-${k}`} aria-hidden="true" /> {t(`cluster.${k}`)}</li>
      ))}
    </ul>
  );
}

type CellState = 'free' | 'allocated' | 'draining' | 'down';

function Heatmap({ nodes, jobs, onChanged }: { nodes: readonly Node[]; jobs: readonly Job[]; onChanged(): void }) {
  const { t, bytes } = useI18n();
  const s = useSession();
  const holder = useMemo(() => {
    const m = new Map<string, Job>();
    for (const j of jobs) for (const p of j.placement ?? []) for (const d of p.devices) m.set(`${p.node}/${d}`, j);
    return m;
  }, [jobs]);
  const byPartition = useMemo(() => {
    const m = new Map<string, Node[]>();
    for (const n of nodes) (m.get(n.partition) ?? m.set(n.partition, []).get(n.partition)!).push(n);
    return [...m.entries()];
  }, [nodes]);
  return (
    <div className="heatmap" data-testid="heatmap">
      {byPartition.map(([partition, list]) => (
        <div key={partition} className="heat-partition">
          <h3>{t('job.partition')}: {partition}</h3>
          {list.map((n) => (
            <div key={n.name} className={`heat-row node-${n.state}`} data-node={n.name}>
              <div className="heat-node">
                <span className="mono">{n.name}</span>
                <span className="muted small">{t('cluster.nodeSummary', { rack: n.labels.rack ?? '—', cpus: n.cpus, allocated: n.allocatedCpus, mem: bytes(n.memoryMb) })}</span>
                {n.state !== 'up' ? <span className={`tag tag-${n.state}`} title={n.stateReason ?? undefined}>{t(`cluster.${n.state}` as 'cluster.down')}</span> : null}
                {s.isOperator ? <NodeActions node={n} onChanged={onChanged} /> : null}
              </div>
              <div className="heat-cells" role="list" aria-label={n.name}>
                {n.devices.length === 0 ? <span className="muted small">{t('cluster.cpuOnly')}</span> : null}
                {n.devices.map((d) => {
                  const allocated = n.allocatedDevices.includes(d.index);
                  const state: CellState = allocated ? 'allocated' : n.state === 'up' ? 'free' : n.state;
                  const job = holder.get(`${n.name}/${d.index}`);
                  const label = t('cluster.deviceLabel', { node: n.name, index: d.index, type: d.type, state: t(`cluster.${state}`) }) + (job ? ` — ${t('cluster.deviceJob', { job: `${job.name} (${job.id})` })}` : '');
                  return (
                    <button
                      key={d.index}
                      type="button"
                      role="listitem"
                      className={`cell cell-${state}`}
                      aria-label={label}
                      title={label}
                      data-state={state}
                      data-job={job?.id}
                      disabled={!job}
                      onClick={() => job && navigate(href('jobs', job.id))}
                    >
                      <span className="cell-index">{d.index}</span>
                      {job ? <span className="cell-job">{job.name}</span> : null}
                    </button>
                  );
                })}
              </div>
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

function NodeActions({ node, onChanged }: { node: Node; onChanged(): void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const act = async (state: 'up' | 'draining' | 'down') => {
    setBusy(true);
    try {
      await api.setNodeState(node.name, state, `set from the portal`);
      setError(undefined);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="node-actions">
      {node.state === 'up' ? <button type="button" className="btn btn-small" disabled={busy} onClick={() => act('draining')}>{t('cluster.drain')}</button> : null}
      {node.state !== 'up' ? <button type="button" className="btn btn-small" disabled={busy} onClick={() => act('up')}>{t('cluster.resume')}</button> : null}
      {node.state !== 'down' ? <button type="button" className="btn btn-small" disabled={busy} onClick={() => act('down')}>{t('cluster.down.action')}</button> : null}
      <ErrorBox error={error} />
    </span>
  );
}
