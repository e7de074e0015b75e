/** Which networks engine version 1 trained as another function on wasm, and the export's warning. */
import { describe, expect, it } from 'vitest';
import { architectureGraph, describeArchitecture } from '../cells/index.ts';
import { BASELINES } from '../cells/baselines/index.ts';
import { GraphBuilder } from '../cells/graph.ts';
import { NASNET_OP_ABBREVIATIONS } from '../cells/nasnet/genotype.ts';
import { PUBLISHED_NETWORKS } from '../cells/published.ts';
import type { CellBlock, NasnetArchitecture, NasnetOp } from '../contracts/genotypes.ts';
import { layersMiscomputedByEngine1OnWasm, staleWeightsWarning } from '../engine/engine-1-wasm-defects.ts';
import { DEFAULT_PROTOCOL, type TrainingProtocol } from '../contracts/protocol.ts';

const OPS = Object.fromEntries(Object.entries(NASNET_OP_ABBREVIATIONS).map(([op, short]) => [short, op as NasnetOp]));

/** A version-1 NASNet genotype from its string (nasnetString), e.g. as docs/results.md records it. */
function parseNasnet(text: string): NasnetArchitecture {
  const match = /^N\[(.*)\] R\[(.*)\] N=(\d+) R=(\d+) F=(\d+)$/.exec(text);
  if (!match) throw new Error(`not a NASNet string: ${text}`);
  const cell = (blocks: string) => ({
    blocks: blocks.split(' | ').map((block): CellBlock => {
      const combine = block.includes('+') ? 'add' : 'concat';
      const [l, r] = block.split(/[+&]/).map((branch) => /^(\w+)\((\d+)\)$/.exec(branch)!);
      return { inputs: [Number(l[2]), Number(r[2])], ops: [OPS[l[1]], OPS[r[1]]], combine };
    }),
  });
  const [, normal, reduction, cellsPerStage, reductions, filters] = match;
  return {
    family: 'nasnet',
    version: 1,
    normal: cell(normal),
    reduction: cell(reduction),
    network: { cellsPerStage: Number(cellsPerStage), reductions: Number(reductions), filters: Number(filters) },
  };
}

/** The NASNet genotypes docs/results.md records trained results of (searches on 28x28 and 32x32 images). */
const RECORDED = {
  unaffected: [
    'N[c17(0)+avg3(1) | max5(0)+c13(2) | max5(0)+id(3) | dil3(0)+conv3(2) | c13(5)+avg3(5)] R[sep3(1)+sep5(1) | sep3(0)+sep5(0) | sep7(0)+max3(3) | id(1)+dil3(4) | sep7(0)+avg3(2)] N=1 R=2 F=8',
    'N[avg3(1)+max7(1) | dil3(0)+max3(2) | id(0)+sep7(2) | c13(0)+max5(3) | conv1(4)+dil3(5)] R[id(0)+conv1(1) | dil3(1)+c13(2) | avg3(3)+max5(3) | max3(0)+c17(2) | c13(3)+max3(3)] N=1 R=2 F=8',
  ],
  affected: [
    'N[conv3(1)+sep7(1) | id(2)+c13(2) | max3(1)+sep5(1) | c17(2)+id(3) | sep3(0)+sep7(1)] R[sep5(0)+c17(1) | max3(0)+sep3(2) | sep3(1)+conv3(2) | dil3(1)+c17(3) | max3(3)+conv1(3)] N=1 R=2 F=8',
    'N[avg3(1)+conv3(1) | dil3(0)+sep7(1) | conv1(1)+c13(3) | max3(3)+max5(4) | c17(3)+max3(4)] R[max3(0)+sep7(0) | max3(2)+sep7(2) | max5(1)+max3(3) | c13(1)+c17(2) | max5(2)+conv3(4)] N=1 R=2 F=8',
  ],
};
const FASHION = { height: 28, width: 28, channels: 1 };
const RGB32 = { height: 32, width: 32, channels: 3 };

describe('layers engine 1 miscomputed on wasm', () => {
  const oneConv = (size: number, kernel: [number, number], strides: number, padding: 'same' | 'valid' = 'same') => {
    const g = new GraphBuilder({ height: size, width: size, channels: 2 });
    return g.finish(
      g.add(
        'conv',
        { op: 'conv2d', filters: 3, kernel, strides, padding, dilation: 1, useBias: false, activation: 'linear' },
        [g.input],
      ),
    );
  };

  it('are the same convolutions with an axis of negative SAME padding, other than 1x1 (as bench/wasm-conv-probe.ts found)', () => {
    expect(layersMiscomputedByEngine1OnWasm(oneConv(8, [1, 3], 2))).toEqual(['conv']);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(16, [7, 1], 2))).toEqual(['conv']);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(15, [2, 2], 3))).toEqual(['conv']);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(7, [1, 3], 2))).toEqual([]);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(8, [1, 3], 1))).toEqual([]);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(8, [3, 3], 2))).toEqual([]);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(8, [1, 1], 2))).toEqual([]);
    expect(layersMiscomputedByEngine1OnWasm(oneConv(8, [1, 3], 2, 'valid'))).toEqual([]);
  });

  it('are in no baseline or published network', () => {
    for (const b of BASELINES)
      expect(layersMiscomputedByEngine1OnWasm(architectureGraph(b.architecture, FASHION, 10)), b.name).toEqual([]);
    for (const p of PUBLISHED_NETWORKS)
      expect(layersMiscomputedByEngine1OnWasm(architectureGraph(p.architecture, p.input, p.classes)), p.name).toEqual(
        [],
      );
  });

  it('are the factorized convolutions reading a reduction cell input, in two of the genotypes docs/results.md records', () => {
    for (const text of [...RECORDED.unaffected, ...RECORDED.affected])
      expect(describeArchitecture(parseNasnet(text))).toBe(text);
    for (const input of [FASHION, RGB32]) {
      for (const text of RECORDED.unaffected)
        expect(layersMiscomputedByEngine1OnWasm(architectureGraph(parseNasnet(text), input, 10))).toEqual([]);
      expect(layersMiscomputedByEngine1OnWasm(architectureGraph(parseNasnet(RECORDED.affected[0]), input, 10))).toEqual(
        ['cell1_reduction/b0/op1/c17/conv1x7', 'cell3_reduction/b0/op1/c17/conv1x7'],
      );
      expect(layersMiscomputedByEngine1OnWasm(architectureGraph(parseNasnet(RECORDED.affected[1]), input, 10))).toEqual(
        ['cell1_reduction/b3/op0/c13/conv1x3', 'cell3_reduction/b3/op0/c13/conv1x3'],
      );
    }
  });
});

describe('the export of weights trained by engine 1', () => {
  const graph = architectureGraph(parseNasnet(RECORDED.affected[0]), FASHION, 10);
  const { engineVersion: _engine, ...engine1 } = DEFAULT_PROTOCOL;
  const recorded: TrainingProtocol = engine1;

  it('warns when they were trained on wasm and the network has a miscomputed layer', () => {
    expect(staleWeightsWarning(graph, recorded, 'wasm')).toMatch(
      /^warning: these weights were trained on wasm by engine version 1, which computed cell1_reduction\/b0\/op1\/c17\/conv1x7, cell3_reduction\/b0\/op1\/c17\/conv1x7 as another function/,
    );
    expect(staleWeightsWarning(graph, recorded, 'cpu')).toBeNull();
    expect(staleWeightsWarning(graph, recorded, 'tensorflow')).toBeNull();
    expect(staleWeightsWarning(graph, DEFAULT_PROTOCOL, 'wasm')).toBeNull();
    expect(
      staleWeightsWarning(architectureGraph(parseNasnet(RECORDED.unaffected[0]), FASHION, 10), recorded, 'wasm'),
    ).toBeNull();
  });
});
