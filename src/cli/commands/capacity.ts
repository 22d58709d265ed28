/**
 * `cheomdan capacity`: what the inventory adds up to, per accelerator type and as one headline figure in
 * PF with the precision it was counted at. Two tables so each fits 100 columns: devices and the headline
 * share per type, then every type's PF at every precision (the like-for-like comparison).
 *
 * Pure formatting of the contract's `Capacity`; the command's wiring (fetching it, --json) lives in the CLI.
 */
import type { Capacity } from '../../contract/inventory.ts';
import { PRECISIONS } from '../../core/accelerators.ts';
import { table } from '../format.ts';

type Row = Capacity['rows'][number];

export const DECLARED_LINE = '* declared devices (from an inventory file, not probed hardware)';

/** PF with 2 decimals (3 below 1 PF, so a demo's 0.536 PF FP64 does not read as 0.54); "-" for null. */
export function formatPetaflops(pf: number | null): string {
  if (pf === null) return '-';
  return pf !== 0 && Math.abs(pf) < 1 ? pf.toFixed(3) : pf.toFixed(2);
}

const int = (n: number) => n.toLocaleString('en-US');

/** The capacity report as text: two tables, the headline with its precision, and what it does not count. */
export function formatCapacity(c: Capacity): string {
  const out: string[] = [];
  const anyDeclared = c.rows.some((r) => r.declared);
  const typeName = (r: Row) => (r.declared ? `${r.acceleratorType}*` : r.acceleratorType);

  if (c.rows.length === 0) {
    out.push('No accelerators.\n');
  } else {
    out.push(
      table(c.rows, [
        { header: 'TYPE', get: typeName },
        { header: 'MODEL', get: (r) => r.model, max: 34 },
        { header: 'DEVICES', get: (r) => int(r.devices), right: true },
        { header: 'UP', get: (r) => int(r.devicesUp), right: true },
        { header: 'ALLOC', get: (r) => int(r.devicesAllocated), right: true },
        { header: 'NODES', get: (r) => int(r.nodes), right: true },
        {
          header: 'HEADLINE PF',
          get: (r) => (r.headlinePrecision === null ? 'not counted' : `${formatPetaflops(r.headlinePetaflops)} ${r.headlinePrecision}`),
          right: true,
        },
      ]),
    );
    out.push('Peak PF per precision (dense; int8 in POPS; "-": no published figure):');
    out.push(
      table(c.rows, [
        { header: 'TYPE', get: typeName },
        ...PRECISIONS.map((p) => ({ header: p.toUpperCase(), get: (r: Row) => formatPetaflops(r.petaflops[p]), right: true })),
      ]),
    );
  }

  const t = c.totalPetaflops;
  out.push(
    `Headline: ${formatPetaflops(t.headline)} PF, counted at ${t.precision} (GPU ${formatPetaflops(t.byKind.gpu)} PF + NPU ${formatPetaflops(t.byKind.npu)} PF)`,
  );
  out.push(t.note);
  out.push(`CPU-only nodes: ${int(c.cpuNodes)} (${int(c.cpus)} CPUs), not counted in PF.`);
  if (anyDeclared) out.push(DECLARED_LINE);
  return out.join('\n') + '\n';
}
