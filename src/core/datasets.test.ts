import { describe, expect, it } from 'vitest';
import { cheomdanDirectives, datasetDirectives, parseOutputRef, datasetEnvName, parseDatasetRef, pathProblem } from './datasets.ts';

describe('dataset file paths', () => {
  const cases: Record<string, { path: string; want: RegExp | null }> = {
    'a plain file': { path: 'a.txt', want: null },
    'nested, unicode': { path: '영상/2026/001.dcm', want: null },
    'dotfile': { path: '.config/x', want: null },
    'absolute': { path: '/etc/passwd', want: /absolute/ },
    'parent': { path: 'a/../../b', want: /"\.\." segment/ },
    'dot': { path: './a', want: /"\." segment/ },
    'NUL': { path: 'a\0b', want: /NUL/ },
    'control': { path: 'a\nb', want: /control/ },
    'backslash': { path: 'a\\b', want: /backslash/ },
    'empty segment': { path: 'a//b', want: /empty segment/ },
    'trailing slash': { path: 'a/', want: /empty segment/ },
    'empty': { path: '', want: /empty/ },
    'too long': { path: 'x'.repeat(4097), want: /4097 bytes; at most 4096/ },
    'long multibyte': { path: '가'.repeat(1366), want: /4098 bytes/ },
    'exactly 4096': { path: 'x'.repeat(4096), want: null },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const p = pathProblem(c.path);
      if (c.want === null) expect(p).toBeNull();
      else expect(p).toMatch(c.want);
    });
  }
});

describe('dataset references in jobs', () => {
  it('parses NAME, @VERSION, :MOUNT and ORG/', () => {
    expect(parseDatasetRef('xray')).toEqual({ org: null, name: 'xray', version: null, mount: null });
    expect(parseDatasetRef('xray@3:data/x')).toEqual({ org: null, name: 'xray', version: 3, mount: 'data/x' });
    expect(parseDatasetRef('seoul-hospital/ct.scans@v2')).toEqual({ org: 'seoul-hospital', name: 'ct.scans', version: 2, mount: null });
  });
  it('names what is wrong', () => {
    expect(parseDatasetRef('xray@latest')).toEqual({ error: expect.stringMatching(/not a version/) });
    expect(parseDatasetRef('xray:/data')).toEqual({ error: expect.stringMatching(/relative to the job's directory .* \$CHEOMDAN_DATASET_XRAY/) });
    expect(parseDatasetRef('xray:a/../b')).toEqual({ error: expect.stringMatching(/"\.\." segment/) });
    expect(parseDatasetRef('-x')).toEqual({ error: expect.stringMatching(/not a dataset name/) });
  });
  it('derives CHEOMDAN_DATASET_<NAME>', () => {
    expect(datasetEnvName('chest-xray.v1')).toBe('CHEOMDAN_DATASET_CHEST_XRAY_V1');
    expect(datasetEnvName('chest_xray_v1')).toBe('CHEOMDAN_DATASET_CHEST_XRAY_V1');
  });
});

describe('#CHEOMDAN --dataset directives', () => {
  it('reads them from the header beside #SBATCH, up to the first command', () => {
    const script = '#!/bin/bash\n#SBATCH -N 1\n#CHEOMDAN --dataset chest-xray@2:data\n#CHEOMDAN --dataset=labels\n\npython train.py\n#CHEOMDAN --dataset late\n';
    expect(datasetDirectives(script)).toEqual(['chest-xray@2:data', 'labels']);
  });
});

describe('--save-output NAME[:PATH]', () => {
  it('parses the dataset and the directory, default output', () => {
    expect(parseOutputRef('results')).toEqual({ name: 'results', path: 'output' });
    expect(parseOutputRef('results:runs/ckpt')).toEqual({ name: 'results', path: 'runs/ckpt' });
    expect(cheomdanDirectives('#!/bin/sh\n#CHEOMDAN --save-output=results:out\n#CHEOMDAN --dataset x\necho\n', 'save-output')).toEqual(['results:out']);
  });
  it('names what is wrong', () => {
    expect(parseOutputRef('org/results')).toEqual({ error: expect.stringMatching(/your own organization/) });
    expect(parseOutputRef('results:/tmp/out')).toEqual({ error: expect.stringMatching(/relative to the job's working directory.*\$CHEOMDAN_OUTPUT_DIR/) });
    expect(parseOutputRef('results:../x')).toEqual({ error: expect.stringMatching(/"\.\." segment/) });
    expect(parseOutputRef('results:')).toEqual({ error: expect.stringMatching(/empty/) });
  });
});
