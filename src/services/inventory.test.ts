import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCapacity } from '../core/capacity.ts';
import { CheomdanError } from '../core/errors.ts';
import { loadInventoryFile, parseNvidiaSmiCsv, probeHost } from './inventory.ts';

const examples = fileURLToPath(new URL('../../examples/inventories/', import.meta.url));

/**
 * What `nvidia-smi --query-gpu=index,name,memory.total,uuid --format=csv,noheader,nounits` prints on an
 * 8-GPU HGX H100 SXM5 server: the H100 SXM5 80GB reports itself as "NVIDIA H100 80GB HBM3" with 81559 MiB.
 * (Written in that format for this test, not captured from a machine: no GPU host was available; UUIDs
 * are made up.)
 */
const H100_HGX = Array.from(
  { length: 8 },
  (_, i) => `${i}, NVIDIA H100 80GB HBM3, 81559, GPU-4f6c1a2b-${String(i).repeat(4)}-4a1e-9c3d-0b1e2f3a4b5${i}`,
).join('\n');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'cheomdan-inv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes an executable shell script named `name` into its own folder; returns the folder. */
async function fakeTool(folder: string, name: string, script: string): Promise<string> {
  const d = join(dir, folder);
  await mkdir(d, { recursive: true });
  const p = join(d, name);
  await writeFile(p, `#!/bin/sh\n${script}\n`);
  await chmod(p, 0o755);
  return d;
}

describe('loadInventoryFile', () => {
  it('loads the demo inventory: 2 x 4 declared H100, 1 x 4 RNGD, 1 CPU node, gpu partition default', async () => {
    const inv = await loadInventoryFile(join(examples, 'demo.yaml'));
    expect(inv.partitions.find((p) => p.default)?.name).toBe('gpu');
    expect(inv.nodes.map((n) => [n.name, n.partition, n.devices.length, n.devices[0]?.type ?? null])).toEqual([
      ['gpu-001', 'gpu', 4, 'nvidia-h100-sxm-80gb'],
      ['gpu-002', 'gpu', 4, 'nvidia-h100-sxm-80gb'],
      ['npu-001', 'npu', 4, 'furiosa-rngd'],
      ['cpu-001', 'cpu', 0, null],
    ]);
    expect(inv.nodes.every((n) => n.source === 'declared')).toBe(true);
  });

  it('loads the Gwangju model, which totals 88.5 PF within 1% at its stated precision', async () => {
    const inv = await loadInventoryFile(join(examples, 'gwangju.yaml'));
    expect(inv.capacityPrecision).toEqual({ gpu: ['fp64'], npu: ['bf16', 'fp16'] });
    const c = computeCapacity(inv.nodes, undefined, inv.capacityPrecision);
    expect(Math.abs(c.totalPetaflops.headline - 88.5) / 88.5).toBeLessThan(0.01);
    // The public split: "1,000+" H100 and an NPU farm of about 20 PF.
    const h100 = c.rows.find((r) => r.acceleratorType === 'nvidia-h100-sxm-80gb')!;
    expect(h100.devices).toBeGreaterThanOrEqual(1000);
    expect(c.totalPetaflops.byKind.npu).toBeGreaterThan(19);
    expect(c.totalPetaflops.byKind.npu).toBeLessThan(21);
    expect(c.rows.every((r) => r.headlinePrecision !== null && r.declared)).toBe(true);
    expect(c.cpuNodes).toBeGreaterThan(0);
    expect(new Set(inv.nodes.map((n) => n.partition))).toEqual(new Set(['gpu', 'npu', 'cpu', 'login']));
    // Topology labels: 4 H100 servers per rack, 32 per scalable unit, one NVLink domain per server.
    const h = inv.nodes.filter((n) => n.name.startsWith('h100-'));
    expect(new Set(h.map((n) => n.labels.rack)).size).toBe(32);
    expect(new Set(h.map((n) => n.labels.switch)).size).toBe(4);
    expect(new Set(h.map((n) => n.labels.nvlinkDomain)).size).toBe(128);
  });

  it('reads JSON by extension', async () => {
    const p = join(dir, 'small.json');
    await writeFile(p, JSON.stringify({ partitions: [{ name: 'p', default: true }], nodes: [{ name: 'a', cpus: 2, memoryGb: 4 }] }));
    const inv = await loadInventoryFile(p);
    expect(inv.nodes[0]).toMatchObject({ name: 'a', partition: 'p', memoryMb: 4096 });
  });

  it('names the file when it is missing, a directory, or invalid', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(loadInventoryFile(missing)).rejects.toThrow(`Inventory file ${missing} does not exist`);
    await expect(loadInventoryFile(dir)).rejects.toThrow('is a directory');
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'partitions: [ { name: gpu } ]\nnodes: [ { name: x, cpus: 1, memoryGb: 1, partition: gpu, devices: { type: h100, count: 1 } } ]\n');
    const err = await loadInventoryFile(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheomdanError);
    expect((err as CheomdanError).code).toBe('validation_failed');
    expect((err as CheomdanError).message).toContain(bad);
    expect((err as CheomdanError).errors[0]!.path).toBe('nodes[0].devices.type');
  });
});

describe('probeHost', () => {
  it('finds the GPUs a (fake, on PATH) nvidia-smi reports, with this host\'s CPUs and memory', async () => {
    const bin = await fakeTool('h100', 'nvidia-smi', `
if [ "$1" != "--query-gpu=index,name,memory.total,uuid" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then
  echo "unexpected arguments: $*" >&2; exit 2
fi
cat <<'EOF'
${H100_HGX}
EOF`);
    const warnings: string[] = [];
    const node = await probeHost({ env: { PATH: `${bin}:/usr/bin:/bin` }, warn: (m) => warnings.push(m), nodeName: 'gpu-host', partition: 'gpu' });
    expect(warnings).toEqual([]);
    expect(node).toMatchObject({
      name: 'gpu-host', partition: 'gpu', state: 'up', source: 'host', labels: {},
      cpus: os.availableParallelism(), memoryMb: Math.floor(os.totalmem() / 2 ** 20),
    });
    expect(node.devices).toEqual(Array.from({ length: 8 }, (_, index) => ({ index, type: 'nvidia-h100-sxm-80gb' })));
  });

  it('without nvidia-smi on PATH: no devices, no warning, no error; named after the host', async () => {
    const empty = await fakeTool('empty', 'not-nvidia-smi', 'exit 0');
    const warnings: string[] = [];
    const node = await probeHost({ env: { PATH: empty }, warn: (m) => warnings.push(m) });
    expect(node.devices).toEqual([]);
    expect(node.name).toBe(os.hostname());
    expect(node.partition).toBe('local');
    expect(warnings).toEqual([]);
  });

  it('skips an unknown GPU model with a warning and keeps the other indices', async () => {
    const bin = await fakeTool('mixed', 'nvidia-smi', `printf '0, NVIDIA H100 PCIe, 81559, GPU-a\\n1, Tesla T4, 15360, GPU-b\\n2, NVIDIA L40S, 46068, GPU-c\\n'`);
    const warnings: string[] = [];
    const node = await probeHost({ nvidiaSmi: join(bin, 'nvidia-smi'), warn: (m) => warnings.push(m) });
    expect(node.devices).toEqual([{ index: 0, type: 'nvidia-h100-pcie-80gb' }, { index: 2, type: 'nvidia-l40s-48gb' }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('GPU 1 ("Tesla T4", 15360 MiB) is not in the accelerator catalog');
  });

  it('warns with nvidia-smi\'s own message when it fails (driver not loaded)', async () => {
    const bin = await fakeTool('broken', 'nvidia-smi', `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." ; exit 9`);
    const warnings: string[] = [];
    const node = await probeHost({ nvidiaSmi: join(bin, 'nvidia-smi'), warn: (m) => warnings.push(m) });
    expect(node.devices).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/failed \(exit 9\): NVIDIA-SMI has failed because it couldn't communicate/);
  });
});

describe('parseNvidiaSmiCsv', () => {
  it('reads every line and reports the ones it cannot', () => {
    const { gpus, problems } = parseNvidiaSmiCsv(`${H100_HGX}\n\nNo devices were found\n`);
    expect(gpus).toHaveLength(8);
    expect(gpus[7]).toEqual({ index: 7, name: 'NVIDIA H100 80GB HBM3', memoryMib: 81559, uuid: 'GPU-4f6c1a2b-7777-4a1e-9c3d-0b1e2f3a4b57' });
    expect(problems).toEqual(['unexpected nvidia-smi line: "No devices were found"']);
  });
});
