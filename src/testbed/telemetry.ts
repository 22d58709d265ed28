/**
 * Device power and state during a test-bed run: sampled from nvidia-smi where the job has NVIDIA devices
 * and the tool exists (power draw, SM and memory clocks, temperature, name and driver), every second; where
 * nothing reports power (NPUs without their vendor's tool, CPUs), the catalog's declared board power is
 * used and marked `declared`, so a reader never mistakes it for a measurement.
 */
import { execFile } from 'node:child_process';
import { findAcceleratorType } from '../core/accelerators.ts';

export interface DeviceSample { index: string; name: string; powerW: number | null; smClockMHz: number | null; memClockMHz: number | null; temperatureC: number | null; driver: string }

export interface PowerReport {
  source: 'nvidia-smi' | 'declared' | 'none';
  /** Mean power over the run, W (all of the job's devices together). */
  meanPowerW: number | null;
  energyJ: number | null;
  samples: number;
  devices: DeviceSample[];
  note: string;
}

const QUERY = 'index,name,power.draw,clocks.sm,clocks.mem,temperature.gpu,driver_version';
const num = (s: string | undefined) => {
  const n = Number(s?.trim());
  return Number.isFinite(n) ? n : null;
};

export function parseNvidiaSmi(csv: string): DeviceSample[] {
  return csv.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [index, name, power, sm, mem, temp, driver] = l.split(',').map((x) => x.trim());
    return { index: index!, name: name ?? '', powerW: num(power), smClockMHz: num(sm), memClockMHz: num(mem), temperatureC: num(temp), driver: driver ?? '' };
  });
}

function querySmi(devices: string): Promise<DeviceSample[] | null> {
  return new Promise((resolve) => {
    const args = [`--query-gpu=${QUERY}`, '--format=csv,noheader,nounits', ...(devices ? ['-i', devices] : [])];
    execFile('nvidia-smi', args, { timeout: 5000 }, (err, stdout) => resolve(err ? null : parseNvidiaSmi(stdout)));
  });
}

/** Starts sampling; `stop(durationS)` ends it and reports. */
export async function startPowerSampling(opts: { acceleratorType: string; devices: string; intervalMs?: number }): Promise<{ stop(durationS: number): Promise<PowerReport> }> {
  const first = opts.devices !== '' ? await querySmi(opts.devices) : null;
  const type = findAcceleratorType(opts.acceleratorType);
  const count = opts.devices === '' ? 0 : opts.devices.split(',').length;
  if (!first) {
    return {
      async stop(durationS) {
        if (!type || count === 0) return { source: 'none', meanPowerW: null, energyJ: null, samples: 0, devices: [], note: 'no device power is known for a run without accelerators' };
        const w = type.powerWatts * count;
        return { source: 'declared', meanPowerW: w, energyJ: w * durationS, samples: 0, devices: [], note: `declared board power of ${count} × ${type.model} (${type.powerWatts} W, the catalog), not measured: nvidia-smi is not available to this job` };
      },
    };
  }
  const totals: number[] = [];
  let last = first;
  const add = (s: DeviceSample[]) => {
    const w = s.reduce((a, d) => a + (d.powerW ?? 0), 0);
    if (s.some((d) => d.powerW !== null)) totals.push(w);
    last = s;
  };
  add(first);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void querySmi(opts.devices).then((s) => {
      if (s) add(s);
      busy = false;
    });
  }, opts.intervalMs ?? 1000);
  return {
    async stop(durationS) {
      clearInterval(timer);
      const mean = totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null;
      return { source: 'nvidia-smi', meanPowerW: mean, energyJ: mean === null ? null : mean * durationS, samples: totals.length, devices: last, note: `nvidia-smi power.draw sampled every ${opts.intervalMs ?? 1000} ms` };
    },
  };
}
