/**
 * `describeStore(name, fn)`: declares the same tests once per dialect (`sqlite`, `postgres`), each against a
 * fresh database opened in `beforeAll` — one database per dialect per test file. Tests inside a file share
 * it, so they create their own rows with unique ids (see `uid`). The clock is a fake one tests may move.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { OpenedStore } from '../index.ts';
import { openTestStore, testDialects, type TestDialect } from './databases.ts';

export interface StoreTestContext {
  dialect: TestDialect;
  /** The store of this dialect (valid inside tests and hooks). */
  readonly store: OpenedStore;
  /** The fake clock's time (epoch ms); tests may set it. */
  now: number;
}

let counter = 0;
/** A unique id with a readable prefix, for rows created by tests sharing one database. */
export const uid = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

export function describeStore(name: string, fn: (t: StoreTestContext) => void): void {
  for (const dialect of testDialects()) {
    describe(`${name} [${dialect}]`, () => {
      let opened: Awaited<ReturnType<typeof openTestStore>> | undefined;
      const t: StoreTestContext = {
        dialect,
        now: 1_700_000_000_000,
        get store() {
          if (!opened) throw new Error(`the ${dialect} test store is not open (did beforeAll fail?)`);
          return opened.store;
        },
      };
      beforeAll(async () => {
        opened = await openTestStore(dialect, { clock: () => t.now });
      });
      afterAll(async () => {
        await opened?.dispose();
      });
      fn(t);
    });
  }
}
