/**
 * Forms checked with the shared zod contract before sending: field → first message, from the schema's
 * issues (client side) or a problem's `errors` (the server's), and one hook that does the check-then-send
 * every form here repeats.
 */
import { useState } from 'react';
import type { z } from 'zod';
import { ApiError } from './api.ts';

export type Errors = Record<string, string>;

export const issuesToErrors = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): Errors => {
  const out: Errors = {};
  for (const i of issues) {
    const k = String(i.path[0] ?? 'form');
    if (!out[k]) out[k] = i.message;
  }
  return out;
};

export const problemErrors = (e: unknown): Errors =>
  e instanceof ApiError && e.problem.errors ? Object.fromEntries(e.problem.errors.map((x) => [x.path.replace(/^body\./, '').split(/[.[]/)[0]!, x.message])) : {};

/**
 * `send(schema, body, fn)`: checks `body` with `schema` (field errors, nothing sent, when it fails), then runs
 * `fn` (the request) with the parsed body; a refused request puts the server's problem and field errors on the form. Returns
 * whether `fn` ran and succeeded.
 */
export function useSchemaForm() {
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  async function send<S extends z.ZodType>(schema: S, body: unknown, fn: (data: z.output<S>) => Promise<unknown>): Promise<boolean> {
    setProblem(undefined);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      setErrors(issuesToErrors(parsed.error.issues));
      return false;
    }
    setErrors({});
    setBusy(true);
    try {
      await fn(parsed.data);
      return true;
    } catch (err) {
      setProblem(err);
      setErrors(problemErrors(err));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { errors, setErrors, problem, setProblem, busy, send };
}
