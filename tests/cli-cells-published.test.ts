/** `nas cells show|published` and `nas baselines list` at any input size (--input HxWxC, --classes n), in-process. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './support/csv.ts';
import { PUBLISHED_NETWORKS, architectureCost, NASNET_A } from '../cells/index.ts';
import { badInputLine, runCli } from './support/run-cli.ts';

describe('nas cells show at any input size', () => {
  it('shows a published network at its own input and class count', async () => {
    const { code, stdout, stderr } = await runCli(['cells', 'show', 'nasnet-a-mobile']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('stem=imagenet/32');
    expect(stdout).toContain('  output: concat(h[i-2], block 0, block 1, block 2, block 3, block 4)');
    expect(stdout).toMatch(/params 5326716 \(5\.33M\), FLOPs \S+ \(multiply-adds, 224x224x3 input, 1000 classes\)/);
  });

  it('costs any network for --input and --classes', async () => {
    const input = { height: 224, width: 224, channels: 3 };
    const { code, stdout, stderr } = await runCli([
      'cells',
      'show',
      'nasnet-a',
      '--input',
      '224x224x3',
      '--classes',
      '1000',
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as { params: number; flops: number; input: unknown; classes: number };
    expect(json).toMatchObject({ ...architectureCost(NASNET_A, input, 1000), input, classes: 1000 });
    const mobile = JSON.parse((await runCli(['cells', 'show', 'mobilenetv2-1.0', '--json'])).stdout) as {
      params: number;
    };
    expect(mobile.params).toBe(3538984);
  });

  it("draws a version-2 cell with the states its output lists (h(i-2) in NASNet-A's normal cell)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cells-v2-'));
    try {
      const file = join(dir, 'mobile.svg');
      const { code, stderr } = await runCli(['cells', 'show', 'nasnet-a-mobile', '--svg', file]);
      expect(code, stderr).toBe(0);
      const svg = readFileSync(file, 'utf8');
      const [normal, reduction] = svg.split('>Reduction cell</text>');
      expect(normal.match(/data-to="output"/g)).toHaveLength(6);
      expect(normal).toContain('data-from="h_prev2" data-to="output"');
      expect(reduction.match(/data-to="output"/g)).toHaveLength(4);
      expect(reduction).toContain('data-from="b1_combine" data-to="output"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a bad --input or --classes in one line naming the flag and the fix', async () => {
    expect(await badInputLine(['cells', 'show', 'nasnet-a', '--input', '224x224'])).toBe(
      'nas: --input: must be HEIGHTxWIDTHxCHANNELS with sizes in 1..4096, e.g. --input 224x224x3; got "224x224"',
    );
    expect(await badInputLine(['cells', 'show', 'nasnet-a', '--classes', '1'])).toBe(
      'nas: --classes: must be at least 2 (a classifier), e.g. --classes 1000; got 1',
    );
    expect(await badInputLine(['cells', 'show', 'nasnet-a-mobile', '--input', '2x2x3'])).toMatch(
      /^nas: --input: nasnet-a-mobile cannot be built for a 2x2x3 input \(.*\); give a larger --input$/,
    );
    expect(await badInputLine(['cells', 'show', 'resnet50'])).toMatch(
      /^nas: <name\|genotype-file\|hash>: resnet50 is neither a network name \(lenet5, .*mobilenetv2-1\.0\), a file nor a hex architecture hash$/,
    );
  });
});

describe('nas cells published', () => {
  it('prints every published network against its reference, as CSV', async () => {
    const { code, stdout, stderr } = await runCli(['cells', 'published', '--format', 'csv']);
    expect(code, stderr).toBe(0);
    const rows = parseCsv(stdout);
    expect(rows.map((r) => r.name)).toEqual(PUBLISHED_NETWORKS.map((n) => n.name));
    const network = (name: string) => rows.find((r) => r.name === name)!;
    expect(network('nasnet-a-mobile')).toMatchObject({
      input: '224x224x3',
      classes: '1000',
      params: '5326716',
      counted: '5326716',
      reference: '5326716',
      paramsDiff: '0',
    });
    expect(network('nasnet-a-cifar')).toMatchObject({ params: '3383786', counted: '3346538', reference: '3300000' });
    expect(Number(network('nasnet-a-cifar').paramsDiff)).toBeCloseTo(0.0141, 4);
    expect(network('efficientnet-b0')).toMatchObject({ params: '5330564', counted: '5330571', reference: '5330571' });
  });
});

describe('nas baselines list at any input size', () => {
  const home = mkdtempSync(join(tmpdir(), 'nas-baselines-input-'));
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    NAS_HOME: process.env.NAS_HOME,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
  };
  beforeAll(() => {
    delete process.env.DATABASE_URL;
    delete process.env.TEMPORAL_ADDRESS;
    process.env.NAS_HOME = join(home, 'home');
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('lists baselines and published networks with the input and classes each is costed for', async () => {
    const own = await runCli(['baselines', 'list', '--format', 'csv']);
    expect(own.code, own.stderr).toBe(0);
    const rows = parseCsv(own.stdout);
    expect(rows.find((r) => r.name === 'lenet5')).toMatchObject({ input: '28x28x1', classes: '10', params: '61706' });
    expect(rows.find((r) => r.name === 'nasnet-a-large')).toMatchObject({
      input: '331x331x3',
      classes: '1000',
      params: '88949818',
    });

    const at = await runCli(['baselines', 'list', '--input', '224x224x3', '--classes', '1000', '--format', 'csv']);
    expect(at.code, at.stderr).toBe(0);
    const atRows = parseCsv(at.stdout);
    expect(new Set(atRows.map((r) => `${r.input}/${r.classes}`))).toEqual(new Set(['224x224x3/1000']));
    expect(atRows.find((r) => r.name === 'mobilenetv2-1.0')!.params).toBe('3538984');
  }, 120_000);
});
