/** `nas cells show|published` and `nas baselines list` at any input size (--input HxWxC, --classes n), in-process. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISHED_NETWORKS, architectureCost, NASNET_A } from '../cells';
import { badInputLine, runCli } from './support/run-cli';

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
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'network,input,classes,params,as counted,reference params,diff,MACs,paper MACs,MACs diff,reference,convention',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(PUBLISHED_NETWORKS.map((n) => n.name));
    expect(lines.find((l) => l.startsWith('nasnet-a-mobile,'))).toMatch(
      /^nasnet-a-mobile,224x224x3,1000,5326716,5326716,5326716,\+0\.000%,/,
    );
    expect(lines.find((l) => l.startsWith('nasnet-a-cifar,'))).toMatch(
      /^nasnet-a-cifar,32x32x3,10,3383786,3346538,3300000,\+1\.410%,/,
    );
    expect(lines.find((l) => l.startsWith('efficientnet-b0,'))).toMatch(
      /^efficientnet-b0,224x224x3,1000,5330564,5330571,5330571,\+0\.000%,/,
    );
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
    const rows = own.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0].slice(0, 5)).toEqual(['baseline', 'family', 'input', 'classes', 'params']);
    expect(rows.find((r) => r[0] === 'lenet5')!.slice(2, 5)).toEqual(['28x28x1', '10', '61706']);
    expect(rows.find((r) => r[0] === 'nasnet-a-large')!.slice(2, 5)).toEqual(['331x331x3', '1000', '88949818']);

    const at = await runCli(['baselines', 'list', '--input', '224x224x3', '--classes', '1000', '--format', 'csv']);
    expect(at.code, at.stderr).toBe(0);
    const atRows = at.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(','));
    expect(new Set(atRows.slice(1).map((r) => `${r[2]}/${r[3]}`))).toEqual(new Set(['224x224x3/1000']));
    expect(atRows.find((r) => r[0] === 'mobilenetv2-1.0')![4]).toBe('3538984');
  }, 120_000);
});
