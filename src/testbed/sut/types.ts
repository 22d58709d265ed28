/**
 * A system under test as the issuer sees it: it is handed a query (its index and where its QSL sample
 * indices lie in the plan's shared array, so nothing is copied per query) and reports each sample's
 * completion through the callback it was started with. Adapters: null.ts (in process, to measure the
 * generator itself), kserve.ts (Open Inference Protocol REST), openai.ts (streaming completions).
 */
export type Completion = (query: number, sample: number, ok: boolean) => void;

export interface SystemUnderTest {
  readonly name: string;
  /** Called once before the first query. */
  start(complete: Completion): void | Promise<void>;
  /** Sends query `query`: its samples are `samples[from .. to)`. Completion of sample k (0-based within the query) goes to `complete`. */
  issue(query: number, samples: Uint32Array, from: number, to: number): void;
  /** Releases whatever it holds (connections, workers). */
  close?(): void | Promise<void>;
}
