/** The committed reference file (search/reference-file.ts): its layout, a round trip, and errors that name the field. */
import { describe, expect, it } from 'vitest';
import { architectureCost, architectureHash } from '../cells/index.ts';
import { protocolHash } from '../contracts/protocol.ts';
import { cheapProtocol, optimizerSteps, referenceArchitectures, referenceProtocol } from '../search/reference.ts';
import {
  parseReferenceFile,
  REFERENCE_FILE_FORMAT,
  renderReferenceFile,
  type ReferenceFile,
} from '../search/reference-file.ts';

function sampleFile(): ReferenceFile {
  const reference = referenceProtocol(7);
  const cheap = cheapProtocol(7);
  const architectures = referenceArchitectures(7, 3).map((genotype, index) => {
    const cost = architectureCost(genotype, { height: 28, width: 28, channels: 1 }, 10);
    const training = (kind: 'reference' | 'cheap' | 'reference-seed2', seed: number, acc: number) => ({
      training: kind,
      seed,
      protocolHash: protocolHash(kind === 'cheap' ? cheap : reference),
      status: 'succeeded' as const,
      valAccuracy: acc,
      testAccuracy: acc - 0.01,
      cpuSeconds: 200.5,
      trainSeconds: 210.25,
      latencyMs: 3.1,
      latencyDevice: 'cpu (wasm simd, 1 thread), AMD EPYC',
      backend: 'wasm',
    });
    const trainings = [training('reference', 7, 0.8), training('cheap', 7, 0.7)];
    if (index === 0) trainings.push(training('reference-seed2', 8, 0.81));
    return { index, hash: architectureHash(genotype), params: cost.params, flops: cost.flops, genotype, trainings };
  });
  return {
    format: REFERENCE_FILE_FORMAT,
    referenceId: 'reference-nasnet-s7-01234567',
    space: 'nasnet-b5-N2R2F16-x',
    seed: 7,
    planned: { architectures: 100, secondSeed: 30 },
    protocols: {
      reference: { hash: protocolHash(reference), steps: optimizerSteps(reference), protocol: reference },
      cheap: { hash: protocolHash(cheap), steps: optimizerSteps(cheap), protocol: cheap },
    },
    rebuild: ['npx nas reference build --architectures 100 --second-seed 30 --seed 7 --wait'],
    cpu: { seconds: 1403.5, trainings: 7, unmeasured: 0 },
    architectures,
  };
}

describe('the reference file', () => {
  it('round-trips, with a readable header and one line per architecture', () => {
    const file = sampleFile();
    const text = renderReferenceFile(file);
    expect(parseReferenceFile(text)).toEqual(file);
    const lines = text.split('\n');
    const rows = lines.filter((l) => l.startsWith('    {"index":'));
    expect(rows).toHaveLength(3);
    expect(JSON.parse(rows[0].trim().replace(/,$/, ''))).toEqual(file.architectures[0]);
    expect(lines[1]).toBe(`  "format": "${REFERENCE_FILE_FORMAT}",`);
    expect(text.endsWith(']\n}\n')).toBe(true);
  });

  it('holds an empty build', () => {
    const file = { ...sampleFile(), architectures: [] };
    expect(parseReferenceFile(renderReferenceFile(file))).toEqual(file);
  });

  it('names the field that is wrong', () => {
    const file = sampleFile();
    const broken = (change: (f: ReferenceFile) => void) => {
      const copy = structuredClone(file);
      change(copy);
      return () => parseReferenceFile(JSON.stringify(copy));
    };
    expect(() => parseReferenceFile('{')).toThrow(/^file: is not JSON/);
    expect(broken((f) => ((f as { format: string }).format = 'other/1'))).toThrow(
      /^file\.format: must be "nas-reference-set\/1"/,
    );
    expect(broken((f) => (f.architectures[1].hash = '0123456789abcdef'))).toThrow(
      /^architectures\[1\]\.hash: is 0123456789abcdef, but the genotype hashes to /,
    );
    expect(broken((f) => (f.architectures[0].genotype.normal.blocks[0].ops[0] = 'nope' as never))).toThrow(
      /^architectures\[0\]\.genotype: /,
    );
    expect(broken((f) => (f.architectures[2].trainings[1].valAccuracy = 1.5))).toThrow(
      /^architectures\[2\]\.trainings\[1\]\.valAccuracy: must be an accuracy/,
    );
    expect(broken((f) => (f.architectures[0].trainings[0].protocolHash = 'ffff'))).toThrow(
      /^architectures\[0\]\.trainings\[0\]\.protocolHash: must be one of the protocols' hashes/,
    );
    expect(broken((f) => (f.architectures[0].trainings[2].training = 'final' as never))).toThrow(
      /^architectures\[0\]\.trainings\[2\]\.training: must be one of reference, cheap, reference-seed2/,
    );
    expect(broken((f) => (f.architectures[0].trainings[0].status = 'failed' as never))).toThrow(
      /trainings\[0\]\.status: must be succeeded or diverged/,
    );
    expect(broken((f) => delete (f.protocols as Partial<ReferenceFile['protocols']>).cheap)).toThrow(
      /^protocols\.cheap: must be a protocol entry/,
    );
  });
});
