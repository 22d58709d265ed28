/**
 * The inventory file: a YAML or JSON document that declares partitions, nodes and their devices. Used for
 * demos and tests without GPUs (`cheomdan serve --inventory`), and by the simulator (`--cluster FILE`).
 * Pure: text in, `Inventory` out; reading the file happens in services/inventory.
 *
 * Every node from a file has `source: 'declared'`: its devices are what the file says, not probed hardware.
 *
 * Format (see docs/inventory.md and examples/inventories/):
 *
 *   name: Demo cluster                      # optional
 *   capacityPrecision: fp16                 # or [bf16, fp16], or { gpu: fp64, npu: [bf16, fp16] }; default bf16
 *   partitions: [ { name: gpu, default: true }, { name: cpu } ]
 *   nodeGroups:                             # N identical nodes
 *     - prefix: h100-                       # names h100-001 … h100-016 (see `nodeGroupNames`)
 *       count: 16
 *       start: 1                            # optional, first number (default 1)
 *       partition: gpu                      # optional when a partition is marked default
 *       cpus: 112
 *       memoryGb: 2048                      # GiB; stored as memoryMb (MiB)
 *       devices: { type: nvidia-h100-sxm-80gb, count: 8 }   # or a list of such, or [] / omitted
 *       labels: { rack: "r{group:4}", switch: "sw{group:16}", nvlinkDomain: "{name}" }
 *       state: up                           # up | draining | down (default up)
 *   nodes:                                  # explicit nodes, same fields with `name` instead of prefix/count
 *     - { name: login-1, partition: cpu, cpus: 64, memoryGb: 512 }
 *
 * Label templates (in nodeGroups only), evaluated per node with i = the node's 0-based ordinal in its group:
 *   {group:K}  floor(i / K) + 1, zero-padded to the width of the group's largest such value (min 2): with
 *              K = 4, nodes 1–4 get 01, nodes 5–8 get 02 — "four nodes share a rack".
 *   {index}    the node's number as it appears in its name (zero-padded), e.g. 007
 *   {name}     the node's full name
 * Anything else in braces is an error, so a typo cannot silently become a literal label.
 *
 * YAML anchors and merge keys work (`- <<: *h100` then override `count`), to keep big files short.
 *
 * Validation reports every problem at once, each with its path (`nodeGroups[2].devices.type: …`), as a
 * CheomdanError('validation_failed') with `errors`. Unknown keys are errors too (`memoryGB` is a typo, not
 * an extension point).
 *
 * Default precision when `capacityPrecision` is omitted: bf16, the format every catalog GPU and NPU except
 * Warboy supports and the one AI training is usually quoted in. Files meant for reporting should declare it.
 *
 * Performance: the schema is checked once per node group, not per node, so a group of 10,000 nodes costs
 * little more than the string building; 10,000 explicit nodes parse in well under a second (test).
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ACCELERATOR_CATALOG, PRECISIONS, findAcceleratorType, type Precision } from './accelerators.ts';
import { CheomdanError, type FieldProblem } from './errors.ts';
import { asAcceleratorType, asNodeName, asPartition } from './ids.ts';
import { NODE_STATES, type Device, type InventoryNode, type TopologyLabels } from './inventory.ts';

/**
 * A precision, or a list of them in order of preference: a type is counted at the first one it has a
 * figure for. `[bf16, fp16]` counts FuriosaAI RNGD at BF16 (Furiosa quotes no FP16) and Rebellions ATOM at
 * FP16 (Rebellions quotes no BF16): "16-bit floating point" without pretending either has the other.
 */
export type PrecisionPreference = Precision | readonly Precision[];

/**
 * Per accelerator kind, the precision (or precisions, in order of preference) the headline PF figure counts
 * it at. The parser always gives lists; a single precision is accepted from code (`{ gpu: 'bf16', … }`).
 */
export interface PrecisionByKind {
  gpu: PrecisionPreference;
  npu: PrecisionPreference;
}

/** `fp16` -> [fp16]; a list stays as it is. */
export const preferenceList = (x: PrecisionPreference): readonly Precision[] => (typeof x === 'string' ? [x] : x);

/** As declared: one preference for every kind, or one per kind. */
export type CapacityPrecision = PrecisionPreference | { gpu: PrecisionPreference; npu: PrecisionPreference };

export const DEFAULT_CAPACITY_PRECISION: Precision = 'bf16';

export interface InventoryPartition {
  name: string;
  default?: boolean;
}

export interface Inventory {
  name?: string;
  /** Precision of the headline PF figure, normalised to one per kind. */
  capacityPrecision: PrecisionByKind;
  partitions: InventoryPartition[];
  nodes: InventoryNode[];
}

/** Normalises `fp16` to `{ gpu: [fp16], npu: [fp16] }`. */
export function precisionByKind(p: CapacityPrecision): { gpu: readonly Precision[]; npu: readonly Precision[] } {
  const list = (x: PrecisionPreference): readonly Precision[] => [...preferenceList(x)];
  if (typeof p === 'string' || Array.isArray(p)) return { gpu: list(p as PrecisionPreference), npu: list(p as PrecisionPreference) };
  const byKind = p as PrecisionByKind;
  return { gpu: list(byKind.gpu), npu: list(byKind.npu) };
}

/** "fp64" / "bf16, else fp16": a preference as words, for notes and tables. */
export function describePreference(x: PrecisionPreference): string {
  return preferenceList(x).join(', else ');
}

// ---------------------------------------------------------------------------------------------- schema

const PrecisionSchema = z.enum(PRECISIONS);
const PreferenceSchema = z.union([PrecisionSchema, z.array(PrecisionSchema).min(1)]);
const positiveInt = z.number().int().positive('must be greater than 0');
const nonNegativeInt = z.number().int().nonnegative('must be 0 or more');

const DeviceSpec = z.strictObject({ type: z.string().min(1), count: positiveInt });
const Devices = z.union([DeviceSpec, z.array(DeviceSpec)]).optional();
const Labels = z
  .strictObject({ rack: z.string().optional(), switch: z.string().optional(), nvlinkDomain: z.string().optional() })
  .optional();

const nodeFields = {
  partition: z.string().min(1).optional(),
  cpus: nonNegativeInt,
  memoryGb: z.number().nonnegative('must be 0 or more'),
  devices: Devices,
  labels: Labels,
  state: z.enum(NODE_STATES).optional(),
};

/** Node names end up in URLs (/v1/nodes/:name), Slurm host lists and labels: keep them plain. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_HINT = 'use letters, digits, ".", "_" and "-", starting with a letter or digit';

const NodeGroupSchema = z.strictObject({
  prefix: z.string().regex(NAME_RE, NAME_HINT),
  count: positiveInt,
  start: nonNegativeInt.optional(),
  ...nodeFields,
});

const NodeSchema = z.strictObject({ name: z.string().regex(NAME_RE, NAME_HINT).max(100), ...nodeFields });

/**
 * The top level; groups and nodes are checked one by one afterwards, so that a bad field in one group does
 * not hide the partition, device and duplicate-name problems of the others: every problem is reported.
 */
const FileSchema = z.strictObject({
  name: z.string().optional(),
  capacityPrecision: z
    .union([PreferenceSchema, z.strictObject({ gpu: PreferenceSchema, npu: PreferenceSchema })], {
      error: `use a precision (${PRECISIONS.join(', ')}), a list in order of preference, or one per kind, e.g. { gpu: fp64, npu: [bf16, fp16] }`,
    })
    .optional(),
  partitions: z.array(z.strictObject({ name: z.string().min(1), default: z.boolean().optional() })).min(1, 'declare at least one partition'),
  nodeGroups: z.array(z.unknown()).optional(),
  nodes: z.array(z.unknown()).optional(),
});

type NodeFields = z.infer<typeof NodeSchema>;
type NodeGroup = z.infer<typeof NodeGroupSchema>;

// ---------------------------------------------------------------------------------------------- parser

/** `a.b[2].c` from a zod / our own path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}

function fail(sourceName: string, errors: FieldProblem[]): never {
  const list = errors.slice(0, 20).map((e) => `${e.path || '(file)'}: ${e.message}`).join('; ');
  const more = errors.length > 20 ? ` (and ${errors.length - 20} more)` : '';
  throw new CheomdanError(
    'validation_failed',
    `Inventory ${sourceName} has ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${list}${more}`,
    { errors, extra: { source: sourceName } },
  );
}

/**
 * Parses an inventory file's text. Throws CheomdanError('validation_failed') listing every problem with
 * its path; `sourceName` (usually the file path) names the file in the message.
 */
export function parseInventory(text: string, format: 'yaml' | 'json', sourceName: string): Inventory {
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : parseYaml(text, { merge: true, maxAliasCount: 1000 });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const msg = e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e);
    throw new CheomdanError('validation_failed', `Inventory ${sourceName} is not valid ${format.toUpperCase()}${where}: ${msg}`, {
      errors: [{ path: '', message: `not valid ${format.toUpperCase()}${where}: ${msg}` }],
      cause: e,
      extra: { source: sourceName },
    });
  }
  if (raw === null || raw === undefined) fail(sourceName, [{ path: '', message: 'the file is empty; declare partitions and nodes' }]);

  const errors: FieldProblem[] = [];
  const zodProblems = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]) => {
    for (const i of issues) errors.push({ path: formatPath([...prefix, ...i.path]), message: i.message });
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fail(sourceName, [{ path: '', message: 'the file must be a mapping with `partitions` and `nodeGroups` or `nodes`' }]);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) zodProblems(parsed.error.issues, []);
  // Carry on with what can be read, to report the nodes' problems too.
  const obj = raw as Record<string, unknown>;
  const partitionsParsed = FileSchema.shape.partitions.safeParse(obj.partitions);
  const partitionsKnown = partitionsParsed.success;
  const declaredPartitions = partitionsParsed.success ? partitionsParsed.data : [];
  const groupsRaw: unknown[] = Array.isArray(obj.nodeGroups) ? obj.nodeGroups : [];
  const nodesRaw: unknown[] = Array.isArray(obj.nodes) ? obj.nodes : [];

  // Partitions: unique names, at most one default.
  const partitionNames = new Set<string>();
  declaredPartitions.forEach((p, i) => {
    if (partitionNames.has(p.name)) errors.push({ path: `partitions[${i}].name`, message: `duplicate partition "${p.name}"` });
    partitionNames.add(p.name);
  });
  const defaults = declaredPartitions.filter((p) => p.default === true);
  if (defaults.length > 1) {
    errors.push({ path: 'partitions', message: `only one partition may be the default; ${defaults.map((p) => `"${p.name}"`).join(', ')} are` });
  }
  const defaultPartition = defaults[0]?.name;

  const nodes: InventoryNode[] = [];
  const firstSeenAt = new Map<string, string>();
  const addNode = (node: InventoryNode, path: string) => {
    const prior = firstSeenAt.get(node.name);
    if (prior !== undefined) errors.push({ path, message: `duplicate node name "${node.name}" (first declared at ${prior})` });
    else firstSeenAt.set(node.name, path);
    nodes.push(node);
  };

  // When the partitions themselves are invalid, skip the checks that depend on them.
  const partitionCheck = partitionsKnown ? { names: partitionNames, default: defaultPartition } : null;

  groupsRaw.forEach((rawGroup, gi) => {
    const path = `nodeGroups[${gi}]`;
    const parsedGroup = NodeGroupSchema.safeParse(rawGroup);
    if (!parsedGroup.success) return zodProblems(parsedGroup.error.issues, ['nodeGroups', gi]);
    const g = parsedGroup.data;
    const common = checkCommon(g, path, partitionCheck, errors);
    const templates = checkTemplates(g, path, errors);
    if (!common || !templates) return;
    const names = nodeGroupNames(g);
    for (let i = 0; i < g.count; i++) {
      const name = names[i]!;
      const labels: TopologyLabels = {};
      for (const [key, tpl] of templates) labels[key] = tpl(i, name, g.count);
      addNode({ ...common, name: asNodeName(name), labels }, `${path} (node ${name})`);
    }
  });

  nodesRaw.forEach((rawNode, ni) => {
    const path = `nodes[${ni}]`;
    const parsedNode = NodeSchema.safeParse(rawNode);
    if (!parsedNode.success) return zodProblems(parsedNode.error.issues, ['nodes', ni]);
    const n = parsedNode.data;
    const common = checkCommon(n, path, partitionCheck, errors);
    if (!common) return;
    const labels: TopologyLabels = {};
    for (const key of LABEL_KEYS) if (n.labels?.[key] !== undefined) labels[key] = n.labels[key];
    addNode({ ...common, name: asNodeName(n.name), labels }, path);
  });

  if (nodes.length === 0 && errors.length === 0) {
    errors.push({ path: '', message: 'no nodes: declare `nodeGroups` or `nodes`' });
  }
  if (errors.length > 0) fail(sourceName, errors);

  const file = parsed.data!; // errors is empty, so the top level parsed
  const inv: Inventory = {
    capacityPrecision: precisionByKind(file.capacityPrecision ?? DEFAULT_CAPACITY_PRECISION),
    partitions: declaredPartitions.map((p) => (p.default === undefined ? { name: p.name } : { name: p.name, default: p.default })),
    nodes,
  };
  if (file.name !== undefined) inv.name = file.name;
  return inv;
}

const LABEL_KEYS = ['rack', 'switch', 'nvlinkDomain'] as const;
type LabelKey = (typeof LABEL_KEYS)[number];

/** Node names of a group: prefix + number, zero-padded to the width of the largest number (min 3). */
export function nodeGroupNames(g: { prefix: string; count: number; start?: number | undefined }): string[] {
  const start = g.start ?? 1;
  const width = Math.max(3, String(start + g.count - 1).length);
  const out = new Array<string>(g.count);
  for (let i = 0; i < g.count; i++) out[i] = g.prefix + String(start + i).padStart(width, '0');
  return out;
}

/** The fields a group's nodes share, checked once: partition and device types. Null when invalid. */
function checkCommon(
  n: NodeFields | NodeGroup,
  path: string,
  partitions: { names: ReadonlySet<string>; default: string | undefined } | null,
  errors: FieldProblem[],
): Omit<InventoryNode, 'name' | 'labels'> | null {
  let ok = true;
  const partition = n.partition ?? partitions?.default;
  if (partitions === null) {
    ok = false; // already reported at `partitions`
  } else if (partition === undefined) {
    errors.push({ path: `${path}.partition`, message: 'required: no partition is marked `default: true`' });
    ok = false;
  } else if (!partitions.names.has(partition)) {
    errors.push({ path: `${path}.partition`, message: `partition "${partition}" is not declared; declared: ${[...partitions.names].join(', ')}` });
    ok = false;
  }
  const specs = n.devices === undefined ? [] : Array.isArray(n.devices) ? n.devices : [n.devices];
  const devices: Device[] = [];
  specs.forEach((s, si) => {
    const typePath = Array.isArray(n.devices) ? `${path}.devices[${si}].type` : `${path}.devices.type`;
    if (!findAcceleratorType(s.type)) {
      errors.push({ path: typePath, message: `unknown accelerator type "${s.type}"; known: ${ACCELERATOR_CATALOG.map((a) => a.id).join(', ')}` });
      ok = false;
      return;
    }
    for (let k = 0; k < s.count; k++) devices.push({ index: devices.length, type: asAcceleratorType(s.type) });
  });
  if (!ok) return null;
  return {
    partition: asPartition(partition!),
    cpus: n.cpus,
    memoryMb: Math.round(n.memoryGb * 1024),
    devices,
    state: n.state ?? 'up',
    source: 'declared',
  };
}

type Template = (i: number, name: string, count: number) => string;

/** Compiles the label templates of a group; null (with errors) when one has an unknown placeholder. */
function checkTemplates(g: NodeGroup, path: string, errors: FieldProblem[]): [LabelKey, Template][] | null {
  const out: [LabelKey, Template][] = [];
  let ok = true;
  for (const key of LABEL_KEYS) {
    const tpl = g.labels?.[key];
    if (tpl === undefined) continue;
    const compiled = compileTemplate(tpl, g);
    if (typeof compiled === 'string') {
      errors.push({ path: `${path}.labels.${key}`, message: compiled });
      ok = false;
    } else out.push([key, compiled]);
  }
  return ok ? out : null;
}

/** Returns the template function, or an error message. */
function compileTemplate(tpl: string, g: NodeGroup): Template | string {
  const parts: (string | Template)[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(tpl); m !== null; m = re.exec(tpl)) {
    parts.push(tpl.slice(last, m.index));
    last = m.index + m[0].length;
    const ph = m[1]!;
    const group = /^group:(\d+)$/.exec(ph);
    if (group) {
      const k = Number(group[1]);
      if (k <= 0) return `"{${ph}}": the group size must be greater than 0`;
      const width = Math.max(2, String(Math.ceil(g.count / k)).length);
      parts.push((i) => String(Math.floor(i / k) + 1).padStart(width, '0'));
    } else if (ph === 'name') {
      parts.push((_i, name) => name);
    } else if (ph === 'index') {
      const start = g.start ?? 1;
      const width = Math.max(3, String(start + g.count - 1).length);
      parts.push((i) => String(start + i).padStart(width, '0'));
    } else {
      return `unknown placeholder "{${ph}}" in "${tpl}"; use {group:K}, {index} or {name}`;
    }
  }
  parts.push(tpl.slice(last));
  if (parts.length === 1) return () => tpl;
  return (i, name, count) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(i, name, count);
    return s;
  };
}
