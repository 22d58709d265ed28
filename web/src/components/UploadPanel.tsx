/**
 * Uploading into a dataset from the browser: files and folders dropped (or chosen) go into the user's
 * open version — opened on the first drop, from the latest committed version — with tus-js-client against
 * /v1/uploads (16 MiB PATCHes, retried with back-off, three files at a time), each with its own progress
 * and the whole with bytes, rate and time left. A tus upload's URL is remembered in localStorage under a
 * fingerprint of the dataset, version, path and file, so after a page reload dropping the same files again
 * resumes each from the offset the server holds. Committing makes the version immutable.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Upload, type PreviousUpload } from 'tus-js-client';
import type { DatasetDetail, DatasetVersion } from '../api.ts';
import { ApiError } from '../api.ts';
import { ErrorBox } from './common.tsx';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { formatBytes } from '../../../src/core/datasets.ts';

const PARALLEL = 3;
/** Bytes per PATCH: each must arrive within the server's request timeout (30 s), so ≥ 0.6 MB/s at 16 MiB. */
const CHUNK = 16 * 1024 * 1024;

interface Item {
  path: string;
  file: File;
  sent: number;
  state: 'queued' | 'uploading' | 'done' | 'failed';
  resumedFrom: number;
  error?: string;
}

/** Files of a drop, folders walked (webkitGetAsEntry), each with its path relative to what was dropped. */
async function droppedFiles(e: DragEvent): Promise<{ path: string; file: File }[]> {
  const out: { path: string; file: File }[] = [];
  const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry?.()).filter((x): x is FileSystemEntry => Boolean(x));
  if (entries.length === 0) return [...e.dataTransfer.files].map((file) => ({ path: file.name, file }));
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

export function UploadPanel({ dataset, open, onChange }: { dataset: DatasetDetail; open: DatasetVersion | null; onChange(): void }) {
  const { t } = useI18n();
  const s = useSession();
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');
  const [started, setStarted] = useState<number | null>(null);
  const [, setTick] = useState(0);
  const version = useRef<number | null>(open?.number ?? null);
  const uploads = useRef(new Map<string, Upload>());
  useEffect(() => { version.current = open?.number ?? version.current; }, [open]);
  useEffect(() => () => { for (const u of uploads.current.values()) void u.abort(); }, []);

  const update = (path: string, patch: Partial<Item>) => setItems((xs) => xs.map((x) => (x.path === path ? { ...x, ...patch } : x)));

  const startOne = (item: Item, n: number): Promise<void> => new Promise((resolve) => {
    const upload = new Upload(item.file, {
      endpoint: '/v1/uploads',
      headers: s.api.authHeaders(),
      metadata: { dataset: dataset.id, version: String(n), path: item.path, filename: item.file.name },
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fingerprint: async (file) => ['cheomdan', dataset.id, n, item.path, file.size, file.lastModified].join('|'),
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        return status === 0 || status >= 500 || status === 423 || status === 409;
      },
      onProgress: (bytes) => update(item.path, { sent: bytes }),
      onSuccess: () => {
        update(item.path, { state: 'done', sent: item.file.size });
        uploads.current.delete(item.path);
        resolve();
      },
      onError: (err) => {
        let detail = err.message;
        const body = 'originalResponse' in err ? err.originalResponse?.getBody() : undefined;
        try {
          if (body) detail = (JSON.parse(body) as { detail?: string }).detail ?? detail;
        } catch { /* not a problem document */ }
        update(item.path, { state: 'failed', error: detail });
        uploads.current.delete(item.path);
        resolve();
      },
    });
    uploads.current.set(item.path, upload);
    update(item.path, { state: 'uploading' });
    void upload.findPreviousUploads().then((previous: PreviousUpload[]) => {
      if (previous[0]) {
        upload.resumeFromPreviousUpload(previous[0]);
        update(item.path, { resumedFrom: -1 });
      }
      upload.start();
    });
  });

  async function add(files: { path: string; file: File }[]) {
    if (files.length === 0) return;
    setError(undefined);
    try {
      if (version.current === null) version.current = (await s.api.openVersion(dataset.id, {})).number;
    } catch (e) {
      setError(e);
      return;
    }
    const n = version.current;
    const fresh: Item[] = files.map((f) => ({ ...f, sent: 0, state: 'queued', resumedFrom: 0 }));
    setItems((xs) => [...xs.filter((x) => !fresh.some((f) => f.path === x.path)), ...fresh]);
    setStarted((v) => v ?? Date.now());
    const queue = [...fresh];
    const lane = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) await startOne(item, n);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, lane));
    onChange();
  }

  async function commit() {
    if (version.current === null) return;
    try {
      await s.api.commitVersion(dataset.id, version.current, message.trim() || undefined);
      version.current = null;
      setItems([]);
      setStarted(null);
      setMessage('');
      setError(undefined);
      onChange();
    } catch (e) {
      setError(e);
    }
  }

  useEffect(() => {
    if (!items.some((x) => x.state === 'uploading')) return;
    const id = setInterval(() => setTick((x) => x + 1), 1000);
    return () => clearInterval(id);
  }, [items]);

  const total = items.reduce((a, x) => a + x.file.size, 0);
  const sent = items.reduce((a, x) => a + x.sent, 0);
  const busy = items.some((x) => x.state === 'uploading' || x.state === 'queued');
  const failed = items.filter((x) => x.state === 'failed').length;
  const seconds = started ? (Date.now() - started) / 1000 : 0;
  const rate = seconds > 0 ? sent / seconds : 0;
  const eta = rate > 0 ? (total - sent) / rate : 0;
  const n = version.current;
  return (
    <section className="card" aria-labelledby="up-h" data-testid="upload">
      <h2 id="up-h">{t('ds.upload')}</h2>
      <p className="muted small">{n !== null ? t('ds.uploadInto', { n }) : t('ds.uploadNew')}</p>
      <div
        className={`dropzone${over ? ' dropzone-over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); setOver(false); void droppedFiles(e).then(add); }}
      >
        <p>{t('ds.dropHere')}</p>
        <label className="btn">
          {t('ds.chooseFiles')}
          <input type="file" multiple className="sr-only" data-testid="file-input" onChange={(e) => { void add([...(e.target.files ?? [])].map((file) => ({ path: file.name, file }))); e.target.value = ''; }} />
        </label>{' '}
        <label className="btn">
          {t('ds.chooseFolder')}
          <input type="file" className="sr-only" {...{ webkitdirectory: '' }} onChange={(e) => { void add([...(e.target.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }))); e.target.value = ''; }} />
        </label>
        <p className="muted small">{t('ds.resumeHint')}</p>
      </div>
      {items.length > 0 ? (
        <>
          <p role="status" aria-live="polite" data-testid="upload-total">
            {t('ds.progress', { sent: formatBytes(sent), total: formatBytes(total), rate: `${formatBytes(rate)}/s` })}
            {busy && rate > 0 ? ` · ${t('ds.eta', { s: Math.ceil(eta) })}` : ''}
            {failed > 0 ? ` · ${t('ds.failedN', { n: failed })}` : ''}
          </p>
          <span className="meter" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={total ? Math.round((sent / total) * 100) : 0} aria-label={t('ds.upload')}>
            <span className="meter-fill" style={{ width: `${total ? (sent / total) * 100 : 0}%` }} />
          </span>
          <ul className="upload-list small">
            {items.map((x) => (
              <li key={x.path} data-upload={x.path} data-state={x.state}>
                <span className="mono">{x.path}</span> — {formatBytes(x.sent)} / {formatBytes(x.file.size)}{' '}
                <span className={`badge ${x.state === 'done' ? 'state-succeeded' : x.state === 'failed' ? 'state-failed' : 'state-running'}`}>{t(`ds.up.${x.state}` as MessageKey)}</span>
                {x.resumedFrom !== 0 ? <span className="muted"> {t('ds.resumed')}</span> : null}
                {x.error ? <div className="field-error">{x.error}</div> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <ErrorBox error={error instanceof ApiError || error instanceof Error ? error : undefined} />
      {n !== null ? (
        <div className="row">
          <label htmlFor="up-msg" className="sr-only">{t('ds.message')}</label>
          <input id="up-msg" placeholder={t('ds.commitMessage')} value={message} onChange={(e) => setMessage(e.target.value)} />
          <button type="button" className="btn btn-primary" disabled={busy} onClick={commit}>{t('ds.commit', { n })}</button>
        </div>
      ) : null}
    </section>
  );
}
