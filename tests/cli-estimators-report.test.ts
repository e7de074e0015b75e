/**
 * `nas estimators report` on generated reference files in a home of its own (PGlite): the proxies
 * computed once and reused, the correlations those scores and the file's accuracies give, the
 * CSV records, the "not yet defined" case and bad input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveNasnetSpaceConfig, sampleNasnet } from '../cells/nasnet/index.ts';
import { ZERO_COST_PROXIES } from '../contracts/estimators.ts';
import { selectBackend } from '../engine/backend.ts';
import { loadProxyBatch } from '../engine/proxies/proxy-batch.ts';
import { scoreArchitectures } from '../engine/sharing/phases.ts';
import { loadSharedState } from '../engine/sharing/shared-checkpoint.ts';
import { SharedMomentum } from '../engine/sharing/shared-momentum.ts';
import { SharedNetwork } from '../engine/sharing/shared-network.ts';
import { scoreArchitecture } from '../engine/proxies/score-architecture.ts';
import { writeIdxFixture } from '../harness/idx-files.ts';
import { startNas, waitFor } from '../harness/processes.ts';
import { kendallTauB, spearman } from '../numeric/statistics.ts';
import type { EstimatorReportRow } from '../search/estimator-report.ts';
import { referenceProtocol } from '../search/reference.ts';
import { renderReferenceFile } from '../search/reference-file.ts';
import { attachedDatabaseUrl } from '../stack/embedded.ts';
import { loadProtocolData } from '../workers/activities/training.ts';
import { generatedReferenceFile } from './support/generated-reference.ts';
import { parseCsv } from './support/csv.ts';
import { badInputLine, runCli } from './support/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'nas-estimators-'));
const saved = {
  NAS_HOME: process.env.NAS_HOME,
  NAS_DATA_DIR: process.env.NAS_DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
};
const protocol = { ...referenceProtocol(7), trainSize: 200, valSize: 50, testSize: 100 };
const rng = seedrandom('estimators-report');
const genotypes = Array.from({ length: 5 }, () =>
  sampleNasnet(rng, { network: { cellsPerStage: 1, reductions: 1, filters: 4 } }),
);
const REFERENCE = [0.8, 0.82, 0.78, 0.85, 0.81];
const CHEAP = [0.7, 0.69, 0.72, 0.68, 0.71];
const file = generatedReferenceFile(
  genotypes.map((genotype, i) => ({ genotype, accuracies: { reference: REFERENCE[i], cheap: CHEAP[i] } })),
  { reference: protocol },
);
const path = join(root, 'reference.json');
const smallPath = join(root, 'three.json');

beforeAll(() => {
  writeIdxFixture(join(root, 'data'), { train: 300, test: 100 });
  process.env.NAS_HOME = join(root, 'home');
  process.env.NAS_DATA_DIR = join(root, 'data');
  delete process.env.DATABASE_URL;
  delete process.env.TEMPORAL_ADDRESS;
  writeFileSync(path, renderReferenceFile(file));
  writeFileSync(smallPath, renderReferenceFile({ ...file, architectures: file.architectures.slice(0, 3) }));
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

const report = (args: string[]) => runCli(['estimators', 'report', '--backend', 'wasm', ...args]);

describe('nas estimators report', () => {
  it('computes the proxies once, then reuses them, and ranks by them as the recorded scores do', async () => {
    const first = await report(['--reference', path, '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/5 architecture\(s\); .* 0 recorded in .*, 5 to compute/);
    const rows = JSON.parse(first.stdout) as EstimatorReportRow[];

    const again = await report(['--reference', path, '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/5 recorded in .*, 0 to compute/);
    // The same rows; only the cost model's CPU time (params, FLOPs, part of the combination's) is measured again.
    const recorded = (text: string) =>
      (JSON.parse(text) as EstimatorReportRow[]).map((r) =>
        r.kind === 'size' || r.kind === 'combination' ? { ...r, cpuSecondsPerCandidate: 0 } : r,
      );
    expect(recorded(again.stdout)).toEqual(recorded(first.stdout));

    // The same scores, computed here: the batch and the initial weights follow from the seed.
    await selectBackend('wasm', { log: () => {} });
    const batch = await loadProxyBatch(protocol, 64, 7);
    const scores = file.architectures.map((a) =>
      scoreArchitecture({
        architecture: a.genotype,
        archHash: a.hash,
        input: { height: 28, width: 28, channels: 1 },
        classes: 10,
        seed: 7,
        batch,
      }),
    );
    for (const [k, proxy] of ZERO_COST_PROXIES.entries()) {
      const x = scores.map((s) => s[k].score as number);
      const row = rows.find((r) => r.estimator === proxy)!;
      expect(row.n).toBe(5);
      expect(row.spearman?.estimate, proxy).toBeCloseTo(spearman(x, REFERENCE), 12);
      expect(row.kendall?.estimate, proxy).toBeCloseTo(kendallTauB(x, REFERENCE), 12);
      expect(row.cpuSecondsPerCandidate).toBeGreaterThan(0);
    }
    // Cheap validation accuracies rank 3, 2, 5, 1, 4 against 2, 4, 1, 5, 3: Σd² = 38, ρ = 1 − 6·38/120 = −0.9.
    expect(rows.find((r) => r.estimator === 'cheap-125-steps')?.spearman?.estimate).toBeCloseTo(-0.9, 12);
    expect(rows.find((r) => r.estimator === 'reference-seed2')).toMatchObject({
      n: 0,
      note: 'n = 0 < 5: rank correlation not yet defined',
    });
  }, 300_000);

  it('reports while another process owns the home, which it may only read: the proxies serve that report alone', async () => {
    const home = join(root, 'owned-home');
    const owner = startNas(['dev', '--ui-port', '0'], {
      NAS_HOME: home,
      NAS_DATA_DIR: join(root, 'data'),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    });
    const ownHome = process.env.NAS_HOME;
    process.env.NAS_HOME = home;
    try {
      await waitFor(async () => (await attachedDatabaseUrl(home)) !== null, 120_000, 'nas dev to serve its home');
      const owned = await report(['--reference', path, '--format', 'json']);
      expect(owned.code, owned.stderr).toBe(0);
      expect(owned.stderr).toMatch(/0 recorded in .*, 5 to compute/);
      expect(owned.stderr).toContain('proxy scores not recorded: another process owns');
      const rows = JSON.parse(owned.stdout) as EstimatorReportRow[];
      for (const proxy of ZERO_COST_PROXIES) expect(rows.find((r) => r.estimator === proxy)?.n, proxy).toBe(5);

      owner.child.kill('SIGINT');
      expect((await owner.done).code).toBe(0);
      const after = await report(['--reference', path, '--format', 'json']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).toMatch(/0 recorded in .*, 5 to compute/);
      expect(after.stderr).not.toContain('not recorded');
      expect(JSON.parse(after.stdout)).toEqual(
        rows.map((row) => expect.objectContaining({ estimator: row.estimator, n: row.n })),
      );
    } finally {
      process.env.NAS_HOME = ownHome;
      owner.child.kill('SIGKILL');
    }
  }, 300_000);

  it('writes the JSON records flat as CSV, one line per estimator', async () => {
    const { code, stdout, stderr } = await report(['--reference', path, '--format', 'csv']);
    expect(code, stderr).toBe(0);
    const records = parseCsv(stdout);
    expect(Object.keys(records[0])).toEqual(
      expect.arrayContaining([
        'estimator',
        'n',
        'cpuSecondsPerCandidate',
        'spearman.estimate',
        'spearman.low',
        'kendall.high',
        'top10.shared',
        'note',
      ]),
    );
    expect(records.map((r) => r.estimator)).toHaveLength(9);
    expect(Number(records[4]['spearman.estimate'])).toBeGreaterThanOrEqual(-1);
    expect(records[8]).toMatchObject({ estimator: 'reference-seed2', n: '0', 'spearman.estimate': '' });
  }, 300_000);

  it('says the correlation is not yet defined with 3 architectures, with their n', async () => {
    const { code, stdout, stderr } = await report(['--reference', smallPath]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    for (const line of [...lines.slice(1, 7), lines[8]])
      expect(line).toMatch(/ 3 .*n = 3 < 5: rank correlation not yet defined$/);
    expect(lines[7]).toMatch(/^combined .* 3 .*n = 3 < 10: too few to fit a combination$/);
    expect(lines[9]).toMatch(/^reference-seed2 .* 0 .*n = 0 < 5: rank correlation not yet defined$/);
  }, 300_000);

  it('scores with uniformly shared weights, training in a later report only the steps it lacks', async () => {
    const sharingRow = async (steps: number) => {
      const { code, stdout, stderr } = await report([
        '--reference',
        path,
        '--sharing-steps',
        String(steps),
        '--format',
        'json',
      ]);
      expect(code, stderr).toBe(0);
      const rows = JSON.parse(stdout) as EstimatorReportRow[];
      return { stderr, row: rows.find((r) => r.kind === 'weight sharing')! };
    };
    const four = await sharingRow(4);
    expect(four.stderr).toMatch(/uniform weight sharing: 0 of 4 steps trained before \(.*\.nasshar\), 4 to train/);
    expect(four.row).toMatchObject({ estimator: 'shared-weights-4-steps', n: 5 });
    expect(four.row.score).toBe('accuracy on 32 validation images, weights shared over 4 uniform training steps');
    expect(four.row.oneOffCpuSeconds).toBeGreaterThan(0);

    // The row ranks by the accuracies those weights give, computed here from the kept checkpoint.
    const space = resolveNasnetSpaceConfig({ network: genotypes[0].network });
    const network = new SharedNetwork({ space, input: { height: 28, width: 28, channels: 1 }, classes: 10, seed: 7 });
    const optimizer = new SharedMomentum();
    const checkpoint = join(root, 'home', 'sharing', `reference-${file.protocols.reference.hash}-s7.nasshar`);
    expect((await loadSharedState(checkpoint, network, optimizer))?.step).toBe(4);
    const data = await loadProtocolData({ trialId: 'check', protocol }, join(root, 'data'));
    const scores = await scoreArchitectures({
      network,
      architectures: genotypes,
      validation: data.val,
      imageShape: data.imageShape,
      batchSize: 32,
      batches: 1,
      seed: 7,
      round: 0,
    });
    network.dispose();
    optimizer.dispose();
    expect(four.row.spearman?.estimate).toBeCloseTo(
      spearman(
        scores.map((s) => s.accuracy),
        REFERENCE,
      ),
      12,
    );

    const again = await sharingRow(4);
    expect(again.stderr).toMatch(/4 of 4 steps trained before .*, 0 to train/);
    expect(again.row).toEqual({ ...four.row, cpuSecondsPerCandidate: again.row.cpuSecondsPerCandidate });
    const six = await sharingRow(6);
    expect(six.stderr).toMatch(/4 of 6 steps trained before .*, 2 to train/);

    // Six steps in one report give what four, then two more, gave.
    process.env.NAS_HOME = join(root, 'home-in-one-go');
    try {
      const inOneGo = await sharingRow(6);
      const scoresOf = ({ row }: { row: EstimatorReportRow }) => ({
        ...row,
        cpuSecondsPerCandidate: 0,
        oneOffCpuSeconds: 0,
      });
      expect(scoresOf(inOneGo)).toEqual(scoresOf(six));
    } finally {
      process.env.NAS_HOME = join(root, 'home');
    }
    expect(await badInputLine(['estimators', 'report', '--reference', path, '--sharing-steps', '5'])).toMatch(
      /^nas: --sharing-steps: the shared network in .*\.nasshar has trained 6 steps: give at least 6, or delete the file$/,
    );
    expect(await badInputLine(['estimators', 'report', '--sharing-steps', '-1'])).toMatch(
      /^nas: --sharing-steps: must be a non-negative integer, got "-1"$/,
    );
  }, 300_000);

  it('refuses a missing or broken reference file and an unknown backend in one line', async () => {
    expect(await badInputLine(['estimators', 'report', '--reference', join(root, 'none.json')])).toMatch(
      /^nas: --reference: .*none\.json: cannot read it \(ENOENT\); `nas reference export` writes one$/,
    );
    const broken = join(root, 'broken.json');
    writeFileSync(broken, renderReferenceFile(file).replace(file.architectures[1].hash, '0000000000000000'));
    expect(await badInputLine(['estimators', 'report', '--reference', broken])).toMatch(
      /^nas: --reference: .*broken\.json: architectures\[1\]\.hash: is 0000000000000000, but the genotype hashes to /,
    );
    expect(await badInputLine(['estimators', 'report', '--backend', 'simulated'])).toMatch(/^nas: --backend: /);
  });
});
