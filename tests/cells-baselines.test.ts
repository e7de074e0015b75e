import { describe, expect, it } from 'vitest';
import { baselineGraph } from '../cells/baselines/graph.ts';
import { baselineString, validateBaseline } from '../cells/baselines/validate.ts';
import { graphCost, inferShapes } from '../cells/cost.ts';
import type { LayerGraph } from '../cells/graph.ts';
import { BASELINE_NETWORKS, GenotypeError, type BaselineNetwork } from '../contracts/genotypes.ts';

const MNIST = { height: 28, width: 28, channels: 1 };
const arch = (name: BaselineNetwork) => ({ family: 'baseline' as const, version: 1 as const, name });

/** Output shape of the node with this name. */
function shapeOf(graph: LayerGraph, name: string): number[] {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return inferShapes(graph)[node.id];
}
const count = (graph: LayerGraph, op: string) => graph.nodes.filter((n) => n.op === op).length;

describe('baseline graphs', () => {
  it('LeNet-5 has the 61,706 parameters of the seed text for 28x28x1 and 10 classes', () => {
    const g = baselineGraph(arch('lenet5'), MNIST, 10);
    expect(graphCost(g).params).toBe(61_706);
    expect(shapeOf(g, 'conv1')).toEqual([28, 28, 6]);
    expect(shapeOf(g, 'flatten')).toEqual([400]);
  });

  it.each(BASELINE_NETWORKS)('%s ends in softmax over the classes, for any class count and input channels', (name) => {
    for (const [input, classes] of [
      [MNIST, 10],
      [{ height: 32, width: 32, channels: 3 }, 7],
    ] as const) {
      const g = baselineGraph(arch(name), input, classes);
      const out = g.nodes[g.output];
      expect(out.op === 'dense' && out.activation).toBe('softmax');
      expect(inferShapes(g)[g.output]).toEqual([classes]);
      expect(graphCost(g).params).toBeGreaterThan(0);
    }
  });

  it('AlexNet-small keeps the seed layer pattern: 5 relu convs, 3 pools, 3 dense, no batch norm', () => {
    const g = baselineGraph(arch('alexnet-small'), MNIST, 10);
    expect(g.nodes.filter((n) => n.op !== 'input').map((n) => n.op)).toEqual([
      'conv2d',
      'conv2d',
      'maxPool',
      'conv2d',
      'maxPool',
      'conv2d',
      'conv2d',
      'maxPool',
      'flatten',
      'dense',
      'dropout',
      'dense',
      'dropout',
      'dense',
    ]);
    expect(shapeOf(g, 'flatten')).toEqual([288]);
  });

  it('VGG-small has 2-2-3 conv blocks with 32-64-128 filters', () => {
    const g = baselineGraph(arch('vgg-small'), MNIST, 10);
    expect(count(g, 'conv2d')).toBe(7);
    expect(shapeOf(g, 'block1_pool')).toEqual([14, 14, 32]);
    expect(shapeOf(g, 'block2_pool')).toEqual([7, 7, 64]);
    expect(shapeOf(g, 'block3_pool')).toEqual([3, 3, 128]);
  });

  it('SqueezeNet-small has the seed 24 layers: stem, 11 fires of squeeze + parallel expands, dense', () => {
    const g = baselineGraph(arch('squeezenet-small'), MNIST, 10);
    expect(count(g, 'conv2d')).toBe(1 + 11 * 3);
    expect(count(g, 'concat')).toBe(11);
    expect(count(g, 'batchNorm')).toBe(1 + 11 * 3);
    expect(shapeOf(g, 'fire1_concat')).toEqual([28, 28, 16]);
    expect(shapeOf(g, 'fire11_concat')).toEqual([3, 3, 256]);
  });

  it('ResNet-20 has 19 convs, 9 residual adds and 2 projection shortcuts', () => {
    const g = baselineGraph(arch('resnet20'), MNIST, 10);
    const projections = g.nodes.filter((n) => n.op === 'conv2d' && n.name.endsWith('projection'));
    expect(count(g, 'conv2d') - projections.length).toBe(19);
    expect(projections.map((n) => n.name)).toEqual(['stage2_block1_projection', 'stage3_block1_projection']);
    expect(count(g, 'add')).toBe(9);
    expect(shapeOf(g, 'stage3_block3_relu')).toEqual([7, 7, 64]);
  });

  it('MobileNetV2-small has 17 inverted residuals with relu6 and linear bottlenecks', () => {
    const g = baselineGraph(arch('mobilenetv2-small'), MNIST, 10);
    expect(count(g, 'depthwiseConv2d')).toBe(17);
    const acts = new Set(g.nodes.filter((n) => n.op === 'activation').map((n) => (n.op === 'activation' ? n.fn : '')));
    expect([...acts]).toEqual(['relu6']);
    const projections = g.nodes.filter((n) => n.name.endsWith('_project'));
    expect(projections.every((n) => n.op === 'conv2d' && n.activation === 'linear')).toBe(true);
    expect(g.nodes[projections[0].id + 1].op).toBe('batchNorm');
    expect(g.nodes[projections[0].id + 2].op).not.toBe('activation');
    expect(shapeOf(g, 'head_relu6')).toEqual([2, 2, 640]);
  });

  it('rejects bad inputs and class counts by name', () => {
    expect(() => baselineGraph(arch('lenet5'), { ...MNIST, height: 0 }, 10)).toThrow(
      'input.height: must be a positive integer',
    );
    expect(() => baselineGraph(arch('lenet5'), MNIST, 1)).toThrow('classes: must be an integer >= 2');
  });
});

describe('validateBaseline', () => {
  it('accepts every named network and returns a clean copy', () => {
    for (const name of BASELINE_NETWORKS) expect(validateBaseline(arch(name))).toEqual(arch(name));
    expect(baselineString(arch('resnet20'))).toBe('baseline:resnet20');
  });

  it('names the field and the allowed values', () => {
    const error = (json: unknown) => {
      try {
        validateBaseline(json);
      } catch (e) {
        expect(e).toBeInstanceOf(GenotypeError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(error({ family: 'baseline', version: 1, name: 'resnet50' })).toBe(
      'name: must be one of lenet5, alexnet-small, vgg-small, squeezenet-small, resnet20, mobilenetv2-small; got "resnet50"',
    );
    expect(error({ family: 'nasnet', version: 1, name: 'lenet5' })).toBe('family: must be "baseline", got "nasnet"');
    expect(error({ family: 'baseline', version: 2, name: 'lenet5' })).toBe('version: must be 1, got 2');
    expect(error({ family: 'baseline', version: 1, name: 'lenet5', width: 2 })).toBe(
      'width: unknown field; allowed fields: family, version, name',
    );
    expect(error('lenet5')).toMatch(/^baseline: must be an object/);
  });
});
