import { describe, expect, it } from 'vitest';
import { createSlurmExecutor, slurmConfigFromEnv } from './index.ts';

describe('slurmConfigFromEnv', () => {
  it('reads the server\'s SLURM_* settings', () => {
    expect(slurmConfigFromEnv({
      SLURM_REST_URL: 'http://head:6820', SLURM_JWT_KEY_FILE: '/k', SLURM_PARTITION: 'gpu', SLURM_ACCOUNT: 'acme',
      SLURM_DEFAULT_USER: 'svc', SLURM_OPERATOR_USER: 'cheomdan', SLURM_CLI_FALLBACK: '0',
      SLURM_GRES_TYPES: 'h100=nvidia-h100-sxm-80gb,a100=nvidia-a100-sxm-80gb', SLURM_DEFAULT_ACCELERATOR_TYPE: 'nvidia-l40s-48gb',
    })).toEqual({
      restUrl: 'http://head:6820', jwtKeyFile: '/k', partition: 'gpu', partitions: ['gpu'], account: 'acme',
      defaultUser: 'svc', operatorUser: 'cheomdan', cliFallback: false,
      gresTypes: { h100: 'nvidia-h100-sxm-80gb', a100: 'nvidia-a100-sxm-80gb' }, defaultAcceleratorType: 'nvidia-l40s-48gb',
    });
  });

  it('fails fast, naming the setting, on an unknown accelerator type', () => {
    expect(() => slurmConfigFromEnv({ SLURM_GRES_TYPES: 'h100=nope' })).toThrow(/SLURM_GRES_TYPES entry "h100=nope"/);
    expect(() => slurmConfigFromEnv({ SLURM_DEFAULT_ACCELERATOR_TYPE: 'nope' })).toThrow(/SLURM_DEFAULT_ACCELERATOR_TYPE "nope"/);
  });
});

describe('createSlurmExecutor', () => {
  it('refuses a REST URL without a JWT key, and a missing key file, with the reason', () => {
    expect(() => createSlurmExecutor({ restUrl: 'http://x:6820' })).toThrow(/jwtKey or jwtKeyFile .* or rootJwt \/ rootJwtFile/);
    expect(() => createSlurmExecutor({ restUrl: 'http://x:6820', rootJwtFile: '/nonexistent/token' })).toThrow(/cannot read the Slurm root token file \/nonexistent\/token/);
    expect(createSlurmExecutor({ restUrl: 'http://x:6820', rootJwt: 'a.b.c', cliFallback: false }).name).toBe('slurm');
    expect(() => createSlurmExecutor({ restUrl: 'http://x:6820', jwtKeyFile: '/nonexistent/key' })).toThrow(/cannot read the Slurm JWT key file/);
    expect(() => createSlurmExecutor({ cliFallback: false })).toThrow(/needs restUrl, or cliFallback/);
  });
});
