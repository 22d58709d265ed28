/**
 * The simulator's vocabulary. A `SimJob` is one row of a workload: when it arrives, what it asks for, how
 * long it really runs (the simulator knows; the scheduler sees it only through clairvoyant policies).
 */
import type { PendingJobSnapshot } from '../scheduler/types.ts';

export interface SimJob {
  /** The job as the scheduler will see it when it arrives (submittedAt = arrival time). */
  job: PendingJobSnapshot;
  /** True run time in seconds on its devices, without restarts. */
  duration: number;
}

export type JobOutcome = 'completed' | 'timed_out' | 'rejected' | 'unfinished';

export interface JobRecord {
  id: string;
  tenant: string;
  partition: string;
  devices: number;
  submit: number;
  /** First start (null if it never started). */
  start: number | null;
  end: number | null;
  duration: number;
  /** end − submit. */
  jct: number | null;
  /** jct − duration: time not running (queueing, plus restarts after preemption). */
  queue: number | null;
  /** max(1, jct / max(duration, 10 s)) — Feitelson's bounded slowdown with τ = 10 s. */
  boundedSlowdown: number | null;
  preemptions: number;
  outcome: JobOutcome;
  /** Why a rejected job can never run. */
  reason?: string | undefined;
}

export interface TenantSummary {
  tenant: string;
  jobs: number;
  avgJctSeconds: number;
  avgBoundedSlowdown: number;
  deviceSeconds: number;
}

export interface Summary {
  policy: string;
  jobs: number;
  completed: number;
  rejected: number;
  unfinished: number;
  avgJctSeconds: number;
  p50JctSeconds: number;
  p99JctSeconds: number;
  avgQueueSeconds: number;
  p50QueueSeconds: number;
  p99QueueSeconds: number;
  avgBoundedSlowdown: number;
  makespanSeconds: number;
  /** Busy device-seconds / (devices × makespan). */
  utilization: number;
  preemptions: number;
  /** Jain's index over tenants' average bounded slowdown (1 = perfectly even). */
  fairnessJain: number;
  tenants: TenantSummary[];
  cycles: number;
  decisions: number;
  wallSeconds: number;
}

export interface SimResult {
  summary: Summary;
  records: JobRecord[];
  /** Busy devices over time: a step function [time, busy] at every change. */
  utilization: [number, number][];
  totalDevices: number;
}
