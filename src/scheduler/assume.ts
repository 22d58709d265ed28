/**
 * Mutate-then-undo on the capacity index (Kueue's snapshot.SimulateWorkloadRemoval): every change a cycle
 * makes goes through here and is logged, and `rollback(mark)` puts the index back exactly. The cycle rolls
 * back to zero before it returns, so the index a caller passed in leaves unchanged.
 */
import type { AcceleratorTypeId } from '../core/ids.ts';
import type { Placement } from '../core/resources.ts';
import type { CapacityIndex } from './capacity.ts';

interface Op {
  take: boolean;
  placement: Placement;
  type: AcceleratorTypeId | null;
}

export class Assumptions {
  private readonly log: Op[] = [];
  constructor(readonly index: CapacityIndex) {}

  /** Takes capacity as if a job had started there. */
  take(placement: Placement, type: AcceleratorTypeId | null): void {
    this.index.allocate(placement, type);
    this.log.push({ take: true, placement, type });
  }

  /** Frees capacity as if a job had ended or been preempted. */
  free(placement: Placement, type: AcceleratorTypeId | null): void {
    this.index.release(placement, type);
    this.log.push({ take: false, placement, type });
  }

  mark(): number {
    return this.log.length;
  }

  rollback(mark: number): void {
    while (this.log.length > mark) {
      const op = this.log.pop()!;
      if (op.take) this.index.release(op.placement, op.type);
      else this.index.allocate(op.placement, op.type);
    }
  }
}
