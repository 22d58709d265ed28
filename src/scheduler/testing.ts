/**
 * Test builders with valid defaults and chained setters (Kueue's MakeWorkload(…).Obj()):
 *
 *   aJob('a').gpus(8).tenant('acme').submittedAt(10).build()
 *   aCluster().nodes(16, { gpus: 8 }).build()
 *
 * A test reads as the difference from the defaults: one task of one H100, 4 CPUs, 16 GiB, one hour limit,
 * tenant "t1", project "p1", partition "gpu", submitted at 0.
 */
import {
  asAcceleratorType, asJobId, asNodeName, asPartition, asProjectId, asReservationId, asTenantId, type AcceleratorTypeId,
} from '../core/ids.ts';
import type { NodeState, TopologyLabels } from '../core/inventory.ts';
import type { NodeAllocation, ResourceRequest } from '../core/resources.ts';
import type { NodeSnapshot, PendingJobSnapshot, QuotaSnapshot, ReservationSnapshot, RunningJobSnapshot } from './types.ts';

export const H100 = asAcceleratorType('nvidia-h100-sxm-80gb');
export const A100 = asAcceleratorType('nvidia-a100-sxm-80gb');

let seq = 0;

export class JobBuilder {
  private j: { -readonly [K in keyof PendingJobSnapshot]: PendingJobSnapshot[K] };
  private r: { -readonly [K in keyof ResourceRequest]: ResourceRequest[K] };
  private run: { startedAt: number; placement: NodeAllocation[]; type: AcceleratorTypeId | null } | undefined;

  constructor(id?: string) {
    this.r = { tasks: 1, devicesPerTask: 1, acceleratorTypes: [], cpusPerTask: 4, memoryMbPerTask: 16384, timeLimitSeconds: 3600 };
    this.j = {
      id: asJobId(id ?? `job-${++seq}`), tenant: asTenantId('t1'), project: asProjectId('p1'), partition: asPartition('gpu'),
      request: this.r, submittedAt: 0, priority: 0,
    };
  }
  /** One task with n devices. */
  gpus(n: number): this { this.r.tasks = 1; this.r.devicesPerTask = n; return this; }
  tasks(n: number, devicesPerTask: number): this { this.r.tasks = n; this.r.devicesPerTask = devicesPerTask; return this; }
  type(...types: string[]): this { this.r.acceleratorTypes = types.map(asAcceleratorType); return this; }
  cpus(perTask: number): this { this.r.cpusPerTask = perTask; return this; }
  memoryMb(perTask: number): this { this.r.memoryMbPerTask = perTask; return this; }
  nodes(n: number, tasksPerNode?: number): this { this.r.nodes = n; this.r.tasksPerNode = tasksPerNode; return this; }
  limit(seconds: number): this { this.r.timeLimitSeconds = seconds; return this; }
  duration(seconds: number): this { this.j.expectedDurationSeconds = seconds; return this; }
  tenant(t: string): this { this.j.tenant = asTenantId(t); return this; }
  project(p: string): this { this.j.project = asProjectId(p); return this; }
  partition(p: string): this { this.j.partition = asPartition(p); return this; }
  submittedAt(t: number): this { this.j.submittedAt = t; return this; }
  priority(p: number): this { this.j.priority = p; return this; }
  qos(q: string): this { this.j.qos = q; return this; }
  attained(deviceSeconds: number): this { this.j.attainedDeviceSeconds = deviceSeconds; return this; }
  preemptedAt(...times: number[]): this { this.j.preemptions = times; return this; }
  reservation(id: string): this { this.j.reservation = asReservationId(id); return this; }
  /** Makes it a running job on the given node(s): [node, deviceIndices][] */
  runningOn(startedAt: number, alloc: [string, number[]][], type: string | null = H100): this {
    const tasksPer = Math.max(1, Math.round(this.r.tasks / alloc.length));
    this.run = {
      startedAt,
      type: type === null ? null : asAcceleratorType(type),
      placement: alloc.map(([node, devices]) => ({
        node: asNodeName(node), devices, tasks: tasksPer, cpus: tasksPer * this.r.cpusPerTask, memoryMb: tasksPer * this.r.memoryMbPerTask,
      })),
    };
    return this;
  }
  build(): PendingJobSnapshot { return { ...this.j, request: { ...this.r } }; }
  buildRunning(): RunningJobSnapshot {
    if (!this.run) throw new Error('call runningOn() before buildRunning()');
    return { ...this.build(), startedAt: this.run.startedAt, placement: this.run.placement, acceleratorType: this.run.type };
  }
}

export const aJob = (id?: string) => new JobBuilder(id);

export interface NodeSpec {
  gpus?: number;
  type?: string;
  partition?: string;
  cpus?: number;
  memoryMb?: number;
  prefix?: string;
  state?: NodeState;
  /** Topology labels of the i-th node of this group (0-based). */
  labels?: (i: number) => TopologyLabels;
}

export class ClusterBuilder {
  private list: NodeSnapshot[] = [];
  nodes(count: number, spec: NodeSpec = {}): this {
    const start = this.list.length;
    for (let i = 0; i < count; i++) {
      const type = asAcceleratorType(spec.type ?? H100);
      const n = spec.gpus ?? 8;
      this.list.push({
        name: asNodeName(`${spec.prefix ?? 'n'}${String(start + i).padStart(3, '0')}`),
        partition: asPartition(spec.partition ?? 'gpu'),
        cpus: spec.cpus ?? 112, memoryMb: spec.memoryMb ?? 2048 * 1024,
        devices: Array.from({ length: n }, (_, k) => ({ index: k, type })),
        labels: spec.labels?.(i) ?? {}, state: spec.state ?? 'up', source: 'declared',
      });
    }
    return this;
  }
  build(): NodeSnapshot[] { return this.list.map((n) => ({ ...n })); }
}

export const aCluster = () => new ClusterBuilder();

export const aQuota = (tenant: string, guaranteed: number, borrow = 0, type: string = H100): QuotaSnapshot => ({
  tenant: asTenantId(tenant), acceleratorType: asAcceleratorType(type), guaranteedDevices: guaranteed, borrowLimitDevices: borrow,
});

export const aReservation = (id: string, tenant: string, start: number, end: number, nodes: string[],
  devices?: { node: string; indices: number[] }[]): ReservationSnapshot => ({
  id: asReservationId(id), tenant: asTenantId(tenant), start, end, nodes: nodes.map(asNodeName),
  devices: devices?.map((d) => ({ node: asNodeName(d.node), indices: d.indices })),
});
