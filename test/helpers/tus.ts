/** A few raw tus 1.0 requests for tests (the CLI has the real client; tus-js-client is tested too). */
import { createHash } from 'node:crypto';

export const TUS = { 'tus-resumable': '1.0.0' };
export const meta = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');

export function tusClient(url: string, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  const req = async (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) => {
    const res = await fetch(url + path, { method, headers: { ...TUS, ...auth, ...headers }, ...(body ? { body } : {}) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
  };
  return {
    req,
    create: (length: number, m: Record<string, string>) => req('POST', '/v1/uploads', { 'upload-length': String(length), 'upload-metadata': meta(m) }),
    head: (loc: string) => req('HEAD', loc, {}),
    patch: (loc: string, offset: number, data: Uint8Array, extra: Record<string, string> = {}) =>
      req('PATCH', loc, { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...extra }, data),
    /** Creates and sends a whole file in one PATCH; returns the final response. */
    async put(m: Record<string, string>, data: Uint8Array) {
      const c = await this.create(data.length, m);
      if (c.status !== 201) return c;
      const loc = c.headers.get('location')!;
      return data.length === 0 ? c : this.patch(loc, 0, data);
    },
  };
}

export const sha1b64 = (b: Uint8Array) => createHash('sha1').update(b).digest('base64');
export const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
