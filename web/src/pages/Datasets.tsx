/**
 * Datasets (GET /v1/datasets, /v1/datasets/:id): the organization's data, those shared with it and public
 * ones, with the organization's storage against its quota; a form to create one. A dataset's page lists
 * its immutable versions and browses a version's files (directories from the paths, download per file),
 * uploads by drag and drop into an open version (UploadPanel: tus-js-client, resumable), commits it, and
 * shares it (owners). Jobs use a version with `--dataset NAME@N`.
 */
import { useState, type FormEvent } from 'react';
import { DatasetCreate } from '../../../src/contract/index.ts';
import type { Dataset, DatasetDetail, DatasetVersion } from '../api.ts';
import { ErrorBox, Field, fieldAria, Loading, PageTitle } from '../components/common.tsx';
import { UploadPanel } from '../components/UploadPanel.tsx';
import { useLoad } from '../hooks.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { href, navigate, type Route } from '../router.ts';
import { useSession } from '../session.tsx';
import { useSchemaForm } from '../forms.ts';
import { formatBytes } from '../../../src/core/datasets.ts';

const DOMAINS = ['healthcare', 'automotive', 'energy', 'other'] as const;
const SENSITIVITIES = ['internal', 'restricted', 'public'] as const;

export function Sensitivity({ value }: { value: Dataset['sensitivity'] }) {
  const { t } = useI18n();
  const cls = value === 'restricted' ? 'state-failed' : value === 'public' ? 'state-succeeded' : 'state-pending';
  return <span className={`badge ${cls}`} data-sensitivity={value} title={t(`ds.sens.${value}.hint` as MessageKey)}>{t(`ds.sens.${value}` as MessageKey)}</span>;
}

export function DatasetsPage({ route }: { route: Route }) {
  const id = route.path[1];
  return id ? <DatasetPage key={id} id={id} route={route} /> : <DatasetList />;
}

function StorageBar() {
  const { t } = useI18n();
  const s = useSession();
  const st = useLoad((signal) => (s.me.tenant ? s.api.storage(signal) : Promise.resolve(null)), [s.api]);
  if (!st.data) return null;
  const { usedBytes, reservedBytes, quotaBytes } = st.data;
  const pct = quotaBytes > 0 ? Math.min(100, ((usedBytes + reservedBytes) / quotaBytes) * 100) : 0;
  return (
    <div className="card" data-testid="storage">
      <strong>{t('ds.storage')}</strong>{' '}
      <span>{t('ds.storageUsed', { used: formatBytes(usedBytes), quota: formatBytes(quotaBytes), pct: pct.toFixed(pct < 10 ? 1 : 0) })}</span>
      {reservedBytes > 0 ? <span className="muted"> · {t('ds.storageReserved', { bytes: formatBytes(reservedBytes) })}</span> : null}
      <span className="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label={t('ds.storage')}>
        <span className="meter-fill" style={{ width: `${pct}%` }} />
      </span>
    </div>
  );
}

function DatasetList() {
  const { t } = useI18n();
  const s = useSession();
  const list = useLoad((signal) => s.api.datasets(signal), [s.api]);
  const items = list.data?.items ?? [];
  return (
    <div className="page">
      <PageTitle title={t('ds.title')}>{t('ds.title')}</PageTitle>
      <p className="muted">{t('ds.intro')}</p>
      <StorageBar />
      <ErrorBox error={list.error} onRetry={list.reload} />
      {!list.data ? (list.error ? null : <Loading />) : items.length === 0 ? <p className="muted">{t('ds.none')}</p> : (
        <table className="table card" data-testid="datasets-table">
          <thead>
            <tr>
              <th scope="col">{t('ds.name')}</th>
              <th scope="col">{t('col.tenant')}</th>
              <th scope="col">{t('ds.domain')}</th>
              <th scope="col">{t('ds.sensitivity')}</th>
              <th scope="col">{t('ds.latest')}</th>
              <th scope="col" className="num">{t('ds.files')}</th>
              <th scope="col" className="num">{t('ds.size')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-dataset={d.name}>
                <th scope="row"><a href={href('datasets', d.id)}>{d.name}</a>{d.description ? <div className="muted small">{d.description}</div> : null}</th>
                <td>{d.organization.slug}</td>
                <td>{t(`sector.${d.domain}` as MessageKey)}</td>
                <td><Sensitivity value={d.sensitivity} /></td>
                <td>{d.latestVersion === null ? <span className="muted">{t('ds.noVersion')}</span> : `v${d.latestVersion}`}</td>
                <td className="num">{d.fileCount.toLocaleString()}</td>
                <td className="num">{formatBytes(d.totalBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.me.tenant ? <CreateForm /> : null}
    </div>
  );
}

function CreateForm() {
  const { t } = useI18n();
  const s = useSession();
  const [f, setF] = useState({ name: '', description: '', domain: 'other', licence: 'proprietary', sensitivity: 'internal' });
  const { errors, problem, send } = useSchemaForm();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = { ...f, name: f.name.trim() };
    let made: DatasetDetail | undefined;
    if (await send(DatasetCreate, body, async (data) => { made = await s.api.createDataset(data); })) navigate(href('datasets', made!.id));
  }
  return (
    <form className="card form-inline" onSubmit={submit} noValidate aria-labelledby="dc-h">
      <h2 id="dc-h">{t('ds.create')}</h2>
      <div className="row">
        <Field id="dc-name" label={t('ds.name')} error={errors.name} hint={t('ds.nameHint')}>
          <input id="dc-name" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} {...fieldAria('dc-name', errors.name, t('ds.nameHint'))} />
        </Field>
        <Field id="dc-domain" label={t('ds.domain')} error={errors.domain}>
          <select id="dc-domain" value={f.domain} onChange={(e) => setF({ ...f, domain: e.target.value })}>
            {DOMAINS.map((d) => <option key={d} value={d}>{t(`sector.${d}` as MessageKey)}</option>)}
          </select>
        </Field>
        <Field id="dc-sens" label={t('ds.sensitivity')} error={errors.sensitivity} hint={t(`ds.sens.${f.sensitivity}.hint` as MessageKey)}>
          <select id="dc-sens" value={f.sensitivity} onChange={(e) => setF({ ...f, sensitivity: e.target.value })} {...fieldAria('dc-sens', errors.sensitivity, t(`ds.sens.${f.sensitivity}.hint` as MessageKey))}>
            {SENSITIVITIES.map((v) => <option key={v} value={v}>{t(`ds.sens.${v}` as MessageKey)}</option>)}
          </select>
        </Field>
        <Field id="dc-licence" label={t('ds.licence')} error={errors.licence}>
          <input id="dc-licence" value={f.licence} onChange={(e) => setF({ ...f, licence: e.target.value })} />
        </Field>
      </div>
      <Field id="dc-desc" label={t('ds.description')} error={errors.description}>
        <input id="dc-desc" value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
      </Field>
      <ErrorBox error={problem} />
      <button type="submit" className="btn btn-primary">{t('ds.create')}</button>
    </form>
  );
}

const VSTATE: Record<DatasetVersion['state'], MessageKey> = { open: 'ds.v.open', committed: 'ds.v.committed', deleted: 'ds.v.deleted' };

function DatasetPage({ id, route }: { id: string; route: Route }) {
  const { t, dateTime } = useI18n();
  const s = useSession();
  const ds = useLoad((signal) => s.api.dataset(id, signal), [s.api, id]);
  const [error, setError] = useState<unknown>(undefined);
  const d = ds.data;
  if (!d) return <div className="page">{ds.error ? <ErrorBox error={ds.error} onRetry={ds.reload} /> : <Loading />}</div>;
  const committed = d.versions.filter((v) => v.state === 'committed');
  const asked = Number(route.query.get('v'));
  const shown = d.versions.find((v) => v.number === asked && v.state !== 'deleted') ?? committed[0] ?? d.versions.find((v) => v.state === 'open');
  const dir = route.query.get('dir') ?? '';
  const mine = d.versions.find((v) => v.state === 'open' && v.createdBy === s.me.user.id);
  const owner = s.isOperator || (s.me.tenant?.id === d.organization.id && (s.me.user.role === 'owner'));
  const remove = async (n: number) => {
    try {
      await s.api.deleteVersion(d.id, n);
      setError(undefined);
      ds.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="page">
      <p className="small"><a href={href('datasets')}>← {t('ds.title')}</a></p>
      <PageTitle title={d.name}>{d.organization.slug}/{d.name}</PageTitle>
      <p>
        <Sensitivity value={d.sensitivity} />{' '}
        <span className="badge">{t(`ds.vis.${d.visibility}` as MessageKey)}</span>{' '}
        <span className="badge">{t(`sector.${d.domain}` as MessageKey)}</span>{' '}
        <span className="muted small">{t('ds.licence')}: {d.licence}</span>
      </p>
      {d.description ? <p>{d.description}</p> : null}
      {!d.access.read ? <p className="alert alert-warn" role="alert">{t('ds.noRead')}</p> : null}
      <ErrorBox error={error} />

      <h2>{t('ds.versions')}</h2>
      {d.versions.length === 0 ? <p className="muted">{t('ds.noVersions')}</p> : (
        <table className="table card" data-testid="versions-table">
          <thead>
            <tr>
              <th scope="col">{t('ds.version')}</th>
              <th scope="col">{t('col.state')}</th>
              <th scope="col" className="num">{t('ds.files')}</th>
              <th scope="col" className="num">{t('ds.size')}</th>
              <th scope="col" className="num">{t('ds.newBytes')}</th>
              <th scope="col">{t('ds.message')}</th>
              <th scope="col">{t('ds.committed')}</th>
              <th scope="col"><span className="sr-only">{t('alloc.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {d.versions.map((v) => (
              <tr key={v.number} data-version={v.number} aria-current={shown?.number === v.number ? 'true' : undefined}>
                <th scope="row">{v.state === 'deleted' ? `v${v.number}` : <a href={`${href('datasets', d.id)}?v=${v.number}`}>v{v.number}</a>}</th>
                <td><span className={`badge ${v.state === 'committed' ? 'state-succeeded' : v.state === 'open' ? 'state-pending' : ''}`}>{t(VSTATE[v.state])}</span></td>
                {/* An open version's totals are counted when it is committed. */}
                <td className="num">{v.state === 'open' ? '…' : v.fileCount.toLocaleString()}</td>
                <td className="num">{v.state === 'open' ? '…' : formatBytes(v.totalBytes)}</td>
                <td className="num">{formatBytes(v.newBytes)}</td>
                <td className="small">{v.message}{v.sourceJob ? <> {t('ds.fromJob')} <a href={href('jobs', v.sourceJob)} className="mono">{v.sourceJob}</a></> : null}</td>
                <td className="small">{v.committedAt ? dateTime(v.committedAt) : v.deletedAt ? t('ds.purgeAfter', { when: v.purgeAfter ? dateTime(v.purgeAfter) : '—' }) : '—'}</td>
                <td>{d.access.write && v.state === 'committed'
                  ? <button type="button" className="btn btn-small" onClick={() => remove(v.number)} aria-label={t('ds.deleteVersionN', { n: v.number })}>{t('ds.deleteVersion')}</button>
                  : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {shown && d.access.read ? <FileBrowser d={d} v={shown} dir={dir} /> : null}
      {d.access.write ? <UploadPanel dataset={d} open={mine ?? null} onChange={ds.reload} /> : null}
      {committed[0] ? (
        <div className="card small">
          <strong>{t('ds.inJobs')}</strong>
          <pre className="mono">{`cheomdan submit --dataset ${d.organization.id === s.me.tenant?.id ? '' : `${d.organization.slug}/`}${d.name}@${committed[0].number} train.sh\n#CHEOMDAN --dataset ${d.name}@${committed[0].number}   # ${t('ds.inScript')}\ncheomdan datasets download ${d.name}@${committed[0].number} ./${d.name}`}</pre>
        </div>
      ) : null}
      {owner ? <SharePanel d={d} onDone={ds.reload} /> : null}
    </div>
  );
}

/** A version's files as directories: the paths under `dir`, one level at a time (1,000 per page). */
function FileBrowser({ d, v, dir }: { d: DatasetDetail; v: DatasetVersion; dir: string }) {
  const { t } = useI18n();
  const s = useSession();
  const [after, setAfter] = useState<string | undefined>(undefined);
  const prefix = dir ? `${dir}/` : '';
  const files = useLoad((signal) => s.api.datasetFiles(d.id, v.number, { prefix, ...(after ? { after } : {}), limit: 1000 }, signal), [s.api, d, v.number, prefix, after]); // d: a fresh detail after every change of the dataset
  const [error, setError] = useState<unknown>(undefined);
  const here = (sub: string) => `${href('datasets', d.id)}?v=${v.number}${sub ? `&dir=${encodeURIComponent(sub)}` : ''}`;
  const dirs = new Map<string, number>();
  const leaves: { path: string; name: string; size: number; sha256: string }[] = [];
  for (const f of files.data?.items ?? []) {
    const rest = f.path.slice(prefix.length);
    const cut = rest.indexOf('/');
    if (cut >= 0) dirs.set(rest.slice(0, cut), (dirs.get(rest.slice(0, cut)) ?? 0) + 1);
    else leaves.push({ ...f, name: rest });
  }
  const download = async (path: string, name: string) => {
    try {
      const blob = await s.api.datasetFileBlob(d.id, v.number, path);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setError(e);
    }
  };
  const crumbs = dir ? dir.split('/') : [];
  return (
    <section aria-labelledby="fb-h">
      <h2 id="fb-h">{t('ds.filesOf', { n: v.number })}</h2>
      <nav aria-label={t('ds.path')} className="small" data-testid="breadcrumb">
        <a href={here('')}>{d.name}</a>
        {crumbs.map((c, i) => <span key={i}> / <a href={here(crumbs.slice(0, i + 1).join('/'))}>{c}</a></span>)}
      </nav>
      <ErrorBox error={files.error ?? error} onRetry={files.reload} />
      {!files.data ? (files.error ? null : <Loading />) : dirs.size === 0 && leaves.length === 0 ? <p className="muted">{t('ds.emptyDir')}</p> : (
        <table className="table card" data-testid="files-table">
          <thead>
            <tr>
              <th scope="col">{t('ds.fileName')}</th>
              <th scope="col" className="num">{t('ds.size')}</th>
              <th scope="col">SHA-256</th>
              <th scope="col"><span className="sr-only">{t('ds.download')}</span></th>
            </tr>
          </thead>
          <tbody>
            {[...dirs].map(([name, count]) => (
              <tr key={`d:${name}`} data-dir={name}>
                <th scope="row"><a href={here(prefix + name)}>📁 {name}/</a></th>
                <td className="num muted small">{t('ds.dirCount', { n: count.toLocaleString() })}{files.data?.next ? '+' : ''}</td>
                <td />
                <td />
              </tr>
            ))}
            {leaves.map((f) => (
              <tr key={f.path} data-file={f.path}>
                <th scope="row" className="mono">{f.name}</th>
                <td className="num">{formatBytes(f.size)}</td>
                <td className="mono small" title={f.sha256}>{f.sha256.slice(0, 12)}…</td>
                <td>{v.state === 'committed' ? <button type="button" className="btn btn-small" onClick={() => download(f.path, f.name)} aria-label={t('ds.downloadFile', { name: f.name })}>{t('ds.download')}</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {files.data?.next ? <button type="button" className="btn" onClick={() => setAfter(files.data!.next!)}>{t('ds.morePaths')}</button> : null}
    </section>
  );
}

function SharePanel({ d, onDone }: { d: DatasetDetail; onDone(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [who, setWho] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const restricted = d.sensitivity === 'restricted';
  const share = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await s.api.shareDataset(d.id, restricted ? { user: who.trim() } : { organization: who.trim() });
      setWho('');
      setError(undefined);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card form-inline" onSubmit={share} aria-labelledby="sh-h" data-testid="share">
      <h2 id="sh-h">{restricted ? t('ds.grant') : t('ds.share')}</h2>
      <p className="muted small">{restricted ? t('ds.grantHint') : t('ds.shareHint')}</p>
      {d.sharedWith.length > 0 ? (
        <ul className="small">{d.sharedWith.map((a) => <li key={`${a.kind}:${a.id}`}>{a.kind === 'user' ? '👤' : '🏢'} {a.name}</li>)}</ul>
      ) : <p className="muted small">{t('ds.sharedWithNobody')}</p>}
      <div className="row">
        <Field id="sh-who" label={restricted ? t('ds.grantUser') : t('ds.shareOrg')}>
          <input id="sh-who" value={who} onChange={(e) => setWho(e.target.value)} />
        </Field>
      </div>
      <ErrorBox error={error} />
      <button type="submit" className="btn" disabled={who.trim() === ''}>{restricted ? t('ds.grant') : t('ds.share')}</button>
    </form>
  );
}
