import { describe, expect, it } from 'vitest';
import { nextPatchBytes, PATCH_BYTES } from './transfer.ts';

describe('PATCH sizes', () => {
  it('take about 10 s at the measured rate, between 4 and 64 MiB', () => {
    expect(nextPatchBytes(8 << 20, 8_000)).toBe(Math.floor(((8 << 20) / 8000) * 10_000)); // 1 MiB/s → 10 MiB
    expect(nextPatchBytes(8 << 20, 100)).toBe(PATCH_BYTES.max); // loopback
    expect(nextPatchBytes(1 << 20, 20_000)).toBe(PATCH_BYTES.min); // a very slow link
    expect(nextPatchBytes(0, 0)).toBe(PATCH_BYTES.max);
  });
});
