/**
 * The accelerator catalog: each accelerator type with its peak throughput per precision, memory and power,
 * and where each number comes from. Peaks are dense (no structured sparsity); vendors often quote the
 * sparse figure, which is twice the dense one, and we halve it where that is the case.
 *
 * TFLOPS for floating point formats, TOPS for INT8. `null` means the device has no such format (or the
 * vendor publishes no figure for it), never zero.
 */
import { asAcceleratorType, type AcceleratorTypeId } from './ids.ts';

export const PRECISIONS = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface AcceleratorType {
  id: AcceleratorTypeId;
  vendor: string;
  model: string;
  kind: 'gpu' | 'npu';
  memoryGb: number;
  powerWatts: number;
  /** Peak dense throughput: TFLOPS (floating point) or TOPS (int8). */
  peak: Readonly<Record<Precision, number | null>>;
  /** The names nvidia-smi (or the vendor's tool) reports, to recognise probed devices. */
  probeNames: readonly string[];
  source: string;
}

const t = (
  id: string,
  rest: Omit<AcceleratorType, 'id'>,
): AcceleratorType => ({ id: asAcceleratorType(id), ...rest });

export const ACCELERATOR_CATALOG: readonly AcceleratorType[] = [
  t('nvidia-h100-sxm-80gb', {
    vendor: 'NVIDIA', model: 'H100 SXM5 80GB', kind: 'gpu', memoryGb: 80, powerWatts: 700,
    // fp64 is the Tensor Core figure (67); plain FP64 is 34.
    peak: { fp64: 67, fp32: 67, tf32: 494.7, bf16: 989.4, fp16: 989.4, fp8: 1978.9, int8: 1978.9 },
    probeNames: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 SXM5 80GB'],
    source: 'NVIDIA H100 Tensor Core GPU datasheet (2023), SXM column; sparse Tensor Core figures halved to dense.',
  }),
  t('nvidia-h100-pcie-80gb', {
    vendor: 'NVIDIA', model: 'H100 PCIe 80GB', kind: 'gpu', memoryGb: 80, powerWatts: 350,
    peak: { fp64: 51, fp32: 51, tf32: 378, bf16: 756, fp16: 756, fp8: 1513, int8: 1513 },
    probeNames: ['NVIDIA H100 PCIe'],
    source: 'NVIDIA H100 Tensor Core GPU datasheet (2023), PCIe column; sparse figures halved to dense.',
  }),
  t('nvidia-h200-sxm-141gb', {
    vendor: 'NVIDIA', model: 'H200 SXM 141GB', kind: 'gpu', memoryGb: 141, powerWatts: 700,
    peak: { fp64: 67, fp32: 67, tf32: 494.7, bf16: 989.4, fp16: 989.4, fp8: 1978.9, int8: 1978.9 },
    probeNames: ['NVIDIA H200'],
    source: 'NVIDIA H200 Tensor Core GPU datasheet (2024), SXM column; sparse figures halved to dense.',
  }),
  t('nvidia-a100-sxm-80gb', {
    vendor: 'NVIDIA', model: 'A100 SXM4 80GB', kind: 'gpu', memoryGb: 80, powerWatts: 400,
    // fp64 is the Tensor Core figure (19.5); plain FP64 is 9.7. No FP8 on Ampere.
    peak: { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, fp8: null, int8: 624 },
    // Not 'NVIDIA A100 80GB': that prefix is the PCIe card's name ("NVIDIA A100 80GB PCIe", 300 W).
    probeNames: ['NVIDIA A100-SXM4-80GB'],
    source: 'NVIDIA A100 Tensor Core GPU datasheet (2021); dense figures as printed (sparse ones marked *).',
  }),
  t('nvidia-l40s-48gb', {
    vendor: 'NVIDIA', model: 'L40S 48GB', kind: 'gpu', memoryGb: 48, powerWatts: 350,
    peak: { fp64: null, fp32: 91.6, tf32: 183, bf16: 362.05, fp16: 362.05, fp8: 733, int8: 733 },
    probeNames: ['NVIDIA L40S'],
    source: 'NVIDIA L40S datasheet (2023); sparse figures halved to dense; no FP64 figure published.',
  }),
  t('rebellions-atom', {
    vendor: 'Rebellions', model: 'ATOM (RBLN-CA12) 16GB', kind: 'npu', memoryGb: 16, powerWatts: 130,
    // bf16 was 32 here, but the brief quotes FP16 only; "null: the vendor publishes no figure" (header).
    peak: { fp64: null, fp32: null, tf32: null, bf16: null, fp16: 32, fp8: null, int8: 128 },
    probeNames: ['RBLN-CA12', 'ATOM'],
    source: 'Rebellions ATOM product brief (2023): FP16 32 TFLOPS, INT8 128 TOPS, 16 GB GDDR6, 130 W max; no BF16 figure published.',
  }),
  t('furiosa-rngd', {
    vendor: 'FuriosaAI', model: 'RNGD 48GB', kind: 'npu', memoryGb: 48, powerWatts: 180,
    // fp16 was 256 here, but Furiosa publishes BF16, FP8, INT8 and INT4 figures only (no FP16).
    peak: { fp64: null, fp32: null, tf32: null, bf16: 256, fp16: null, fp8: 512, int8: 512 },
    probeNames: ['RNGD'],
    source:
      'FuriosaAI RNGD product page (2024) and developer docs "RNGD hardware specification": BF16 256 TFLOPS, FP8 512 TFLOPS, ' +
      'INT8 512 TOPS (INT4 1024), 48 GB HBM3, 180 W TDP; no FP16 figure published.',
  }),
  t('furiosa-warboy', {
    vendor: 'FuriosaAI', model: 'Warboy 16GB', kind: 'npu', memoryGb: 16, powerWatts: 60,
    peak: { fp64: null, fp32: null, tf32: null, bf16: null, fp16: null, fp8: null, int8: 64 },
    probeNames: ['Warboy'],
    source: 'FuriosaAI Warboy product page (2021): INT8 64 TOPS, 16 GB LPDDR4X, 40-60 W.',
  }),
];

const byId = new Map(ACCELERATOR_CATALOG.map((a) => [a.id as string, a]));

/**
 * Type groups: names for sets of catalog types that a quota (or a request) may cover as one, because users
 * take one for the other. `h100-class` is H100 SXM and PCIe: the same chip and memory (80 GB), differing in
 * clocks and power. H200 is not in it: 141 GB of memory changes which models fit, so centres award it as
 * its own resource (as Gwangju's tender lists it apart).
 */
export const TYPE_GROUPS: Readonly<Record<string, readonly AcceleratorTypeId[]>> = {
  'h100-class': [asAcceleratorType('nvidia-h100-sxm-80gb'), asAcceleratorType('nvidia-h100-pcie-80gb')],
};

/** The members of a type group, or the type itself when `name` is a catalog type; undefined for neither. */
export function typesNamed(name: string): readonly AcceleratorTypeId[] | undefined {
  return TYPE_GROUPS[name] ?? (findAcceleratorType(name) ? [asAcceleratorType(name)] : undefined);
}

export function findAcceleratorType(id: string): AcceleratorType | undefined {
  return byId.get(id);
}

/** Matches a name reported by nvidia-smi (e.g. "NVIDIA H100 80GB HBM3") to a catalog entry. */
export function acceleratorForProbeName(name: string): AcceleratorType | undefined {
  const n = name.trim().toLowerCase();
  return ACCELERATOR_CATALOG.find((a) => a.probeNames.some((p) => n === p.toLowerCase() || n.startsWith(p.toLowerCase())));
}

/** Peak of `count` devices in PF (petaFLOPS / petaOPS), or null when the type lacks the precision. */
export function petaflops(type: AcceleratorType, precision: Precision, count: number): number | null {
  const p = type.peak[precision];
  return p === null ? null : (p * count) / 1000;
}
