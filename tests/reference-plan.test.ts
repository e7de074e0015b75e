/** The reference set's draw, protocols, plan order and ids (search/reference.ts), and its request validator. */
import { describe, expect, it } from 'vitest';
import { architectureHash, nasnetSpace, NASNET_OPS } from '../cells/index.ts';
import { DEFAULT_PROTOCOL, protocolHash } from '../contracts/protocol.ts';
import {
  cheapProtocol,
  optimizerSteps,
  plannedReferenceTrials,
  referenceArchitectures,
  referenceIdOf,
  referencePlan,
  referenceProtocol,
  trainingOfTrialIndex,
  type ReferenceRequest,
} from '../search/reference.ts';
import { RequestError } from '../contracts/request-error.ts';
import { parseCommandLine } from '../cli/command-line.ts';
import { protocolFromFlags } from '../cli/search-request.ts';
import { validateReferenceRequest } from '../search/validate-request.ts';

const plan = (seed: number, architectures: number, secondSeed: number) => ({
  seed,
  architectures,
  secondSeed,
  reference: referenceProtocol(seed),
  cheap: cheapProtocol(seed),
});

describe('the reference draw', () => {
  it('is the same for the same seed, another for another seed, and a longer draw extends a shorter one', () => {
    const a = referenceArchitectures(7, 20).map(architectureHash);
    expect(referenceArchitectures(7, 20).map(architectureHash)).toEqual(a);
    expect(referenceArchitectures(7, 50).map(architectureHash).slice(0, 20)).toEqual(a);
    const b = referenceArchitectures(8, 20).map(architectureHash);
    expect(b.filter((h) => a.includes(h))).toEqual([]);
    expect(new Set(referenceArchitectures(7, 200).map(architectureHash)).size).toBe(200);
  });

  it('draws genotypes of the default NASNet space, each decision spread over its choices', () => {
    const space = nasnetSpace();
    const drawn = referenceArchitectures(7, 400);
    const choices = drawn.map((a) => space.encode(a));
    // Every op of the 13 is drawn about 400 * 20 / 13 = 615 times.
    const ops = drawn.flatMap((a) => [...a.normal.blocks, ...a.reduction.blocks].flatMap((b) => b.ops));
    for (const op of NASNET_OPS) {
      const n = ops.filter((o) => o === op).length;
      expect(n, op).toBeGreaterThan(500);
      expect(n, op).toBeLessThan(730);
    }
    // The first input of the normal cell's last block (6 choices: the two cell inputs and blocks 0..3) takes each.
    const lastInputs = new Set(choices.map((c) => c[20]));
    expect([...lastInputs].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(drawn.every((a) => a.network.cellsPerStage === 2 && a.network.filters === 16)).toBe(true);
  });
});

describe('the reference protocols', () => {
  it('the reference protocol trains 375 steps and tests on all 10,000 test images; the cheap one is the README search protocol', () => {
    const reference = referenceProtocol(7);
    expect(optimizerSteps(reference)).toBe(375);
    expect(reference).toMatchObject({
      trainSize: 12_000,
      valSize: 2_000,
      testSize: 10_000,
      epochs: 1,
      batchSize: 32,
      seed: 7,
    });
    const cheap = cheapProtocol(7);
    expect(optimizerSteps(cheap)).toBe(125);
    // `nas search start --train-size 2000 --val-size 500 --test-size 1000 --epochs 1 --batch-size 16 --seed 7`
    expect(cheap).toEqual({
      ...DEFAULT_PROTOCOL,
      trainSize: 2000,
      valSize: 500,
      testSize: 1000,
      epochs: 1,
      batchSize: 16,
      seed: 7,
    });
    expect(protocolHash(reference)).not.toBe(protocolHash(cheap));
  });

  it("the cheap protocol hashes as the README main command's search protocol, so the two share results", () => {
    const argv = [
      'search',
      'start',
      '--train-size',
      '2000',
      '--val-size',
      '500',
      '--test-size',
      '1000',
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--seed',
      '7',
    ];
    const fromReadme = protocolFromFlags(parseCommandLine(argv).input.flags, { checkData: false });
    expect(protocolHash(cheapProtocol(7))).toBe(protocolHash(fromReadme));
  });
});

describe('the reference plan', () => {
  it('goes architecture by architecture: reference, cheap, then the second seed for the first secondSeed', () => {
    const trials = referencePlan(plan(7, 4, 2));
    expect(trials.map((t) => [t.architectureIndex, t.training, t.seed])).toEqual([
      [0, 'reference', 7],
      [0, 'cheap', 7],
      [0, 'reference-seed2', 8],
      [1, 'reference', 7],
      [1, 'cheap', 7],
      [1, 'reference-seed2', 8],
      [2, 'reference', 7],
      [2, 'cheap', 7],
      [3, 'reference', 7],
      [3, 'cheap', 7],
    ]);
    expect(trials).toHaveLength(plannedReferenceTrials({ architectures: 4, secondSeed: 2 }));
    expect(trials.map((t) => t.trialIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 10]);
    for (const t of trials)
      expect(trainingOfTrialIndex(t.trialIndex)).toEqual({
        architectureIndex: t.architectureIndex,
        training: t.training,
      });
    expect(
      trials
        .filter((t) => t.training === 'cheap')
        .every((t) => protocolHash(t.protocol) === protocolHash(cheapProtocol(7))),
    ).toBe(true);
    expect(
      trials
        .filter((t) => t.training !== 'cheap')
        .every((t) => protocolHash(t.protocol) === protocolHash(referenceProtocol(7))),
    ).toBe(true);
  });

  it('keeps the trial index of a training whatever the counts, so a larger build lines up with a smaller one', () => {
    const small = referencePlan(plan(7, 3, 1));
    const large = referencePlan(plan(7, 10, 5));
    for (const t of small) {
      const same = large.find((u) => u.trialIndex === t.trialIndex)!;
      expect([architectureHash(same.architecture), same.training, same.seed]).toEqual([
        architectureHash(t.architecture),
        t.training,
        t.seed,
      ]);
    }
  });

  it('names one id per request', () => {
    expect(referenceIdOf(plan(7, 100, 30))).toBe(referenceIdOf(plan(7, 100, 30)));
    expect(referenceIdOf(plan(7, 100, 30))).toMatch(/^reference-nasnet-s7-[0-9a-f]{8}$/);
    expect(referenceIdOf(plan(7, 101, 30))).not.toBe(referenceIdOf(plan(7, 100, 30)));
    expect(referenceIdOf({ ...plan(7, 100, 30), reference: { ...referenceProtocol(7), epochs: 2 } })).not.toBe(
      referenceIdOf(plan(7, 100, 30)),
    );
  });
});

describe('validateReferenceRequest', () => {
  const request = (fields: Partial<ReferenceRequest> = {}): ReferenceRequest => ({
    referenceId: 'ref',
    ...plan(7, 10, 3),
    parallel: 1,
    input: { height: 28, width: 28, channels: 1 },
    classes: 10,
    trainerTaskQueue: 'q',
    ...fields,
  });
  const problem = (fields: Partial<ReferenceRequest>) => {
    try {
      validateReferenceRequest(request(fields));
    } catch (err) {
      if (err instanceof RequestError) return `${err.field}: ${err.problem}`;
      throw err;
    }
    return null;
  };

  it('accepts a request and names the field of a bad one', () => {
    expect(problem({})).toBeNull();
    expect(problem({ architectures: 0 })).toMatch(/^architectures: /);
    expect(problem({ architectures: 1001 })).toMatch(/^architectures: /);
    expect(problem({ secondSeed: 11 })).toMatch(/^secondSeed: .*at most `architectures`/);
    expect(problem({ reference: { ...referenceProtocol(7), trainSize: 60_000 } })).toMatch(/^reference\.trainSize: /);
    expect(problem({ cheap: cheapProtocol(8) })).toMatch(/^cheap\.seed: must be the request's seed \(7\)/);
    expect(problem({ classes: 3 })).toMatch(/^classes: /);
  });
});
