/** The simulator's public surface: workloads in (as text or generated), the same cycle() on a virtual clock, reports out. */
export type * from './types.ts';
export { simulate, type SimEvent, type SimulateOptions } from './engine.ts';
export { parsePhillyTrace, parseGenericTrace, parseVcSizes, parseTimestamp, requestForDevices, type TraceOptions } from './trace.ts';
export { syntheticJobs, PHILLY_SIZES, type SyntheticOptions } from './synthetic.ts';
export { phillyVcCluster, uniformCluster } from './cluster.ts';
export { recordsCsv, summaryCsv, comparisonTable, svgReport, utilizationCsv, SUMMARY_COLUMNS } from './report.ts';
export { percentile, jain, bucketise } from './metrics.ts';
export { Rng } from './rng.ts';
