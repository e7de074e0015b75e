/**
 * NASNet genotypes of version 2: the published rules of tensorflow/models
 * research/slim/nets/nasnet (nasnet.py, nasnet_utils.py) and Keras
 * applications/nasnet.py, so that NASNet-A CIFAR, Mobile and Large come out
 * at the papers' sizes. Version 1 (genotype.ts, network.ts) is unchanged.
 */
import { windowOutputLength } from '../cost.ts';
import { GraphBuilder, type LayerGraph } from '../graph.ts';
import {
  GenotypeError,
  NASNET_STEMS,
  type InputShape,
  type NasnetArchitecture,
  type PublishedNasnetArchitecture,
  type PublishedNasnetCell,
  type PublishedNasnetNetwork,
} from '../../contracts/genotypes.ts';
import {
  canonicalBlock,
  cellString,
  integer,
  NASNET_A,
  NETWORK_LIMITS,
  oneOf,
  record,
  validateCell,
  validateNasnet,
  type NasnetLimits,
} from './genotype.ts';
import { applyOp, factorizedReduction, reluConvBn, type Tensor } from './ops.ts';

export const SUPPORTED_NASNET_VERSIONS = [1, 2] as const;
const NETWORK_FIELDS = ['cellsPerStage', 'reductions', 'filters', 'stem', 'stemFilters', 'skipReductionInput'] as const;

function validatePublishedCell(value: unknown, path: string, limits: NasnetLimits): PublishedNasnetCell {
  const json = record(value, path, ['blocks', 'output']);
  const cell = validateCell({ blocks: json.blocks }, path, limits);
  const last = 1 + cell.blocks.length;
  const output = json.output;
  if (!Array.isArray(output) || output.length === 0) {
    throw new GenotypeError(
      `${path}.output`,
      `must be a non-empty array of hidden states 0..${last} (0 = h(i-2), 1 = h(i-1), 2+k = block k)`,
    );
  }
  output.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > last) {
      throw new GenotypeError(
        `${path}.output[${i}]`,
        `${JSON.stringify(v)} is not an integer in 0..${last} (0 = h(i-2), 1 = h(i-1), 2+k = block k)`,
      );
    }
    if (output.indexOf(v) !== i) throw new GenotypeError(`${path}.output[${i}]`, `${v} is listed twice`);
  });
  return { blocks: cell.blocks, output: [...(output as number[])] };
}

function validatePublishedNetwork(value: unknown, path: string): PublishedNasnetNetwork {
  const json = record(value, path, NETWORK_FIELDS);
  const network: PublishedNasnetNetwork = {
    cellsPerStage: integer(json.cellsPerStage, NETWORK_LIMITS.cellsPerStage, `${path}.cellsPerStage`),
    reductions: integer(json.reductions, NETWORK_LIMITS.reductions, `${path}.reductions`),
    filters: integer(json.filters, NETWORK_LIMITS.filters, `${path}.filters`),
    stem: oneOf(json.stem, NASNET_STEMS, `${path}.stem`),
    stemFilters: integer(json.stemFilters, [1, 1024], `${path}.stemFilters`),
    skipReductionInput: (() => {
      if (typeof json.skipReductionInput !== 'boolean')
        throw new GenotypeError(`${path}.skipReductionInput`, 'must be true or false');
      return json.skipReductionInput;
    })(),
  };
  if (network.stem === 'imagenet' && network.filters < 4) {
    throw new GenotypeError(
      `${path}.filters`,
      `${network.filters} is too few for the imagenet stem, whose cells have filters/4 (at least 4)`,
    );
  }
  return network;
}

/** Checks untrusted JSON of a version-2 NASNet genotype; GenotypeError names the field. */
export function validatePublishedNasnet(json: unknown, limits: NasnetLimits = {}): PublishedNasnetArchitecture {
  const top = record(json, 'architecture', ['family', 'version', 'normal', 'reduction', 'network']);
  if (top.family !== 'nasnet') throw new GenotypeError('family', `${JSON.stringify(top.family)} is not "nasnet"`);
  if (top.version !== 2) throw new GenotypeError('version', `${JSON.stringify(top.version)} is not 2`);
  return {
    family: 'nasnet',
    version: 2,
    normal: validatePublishedCell(top.normal, 'normal', limits),
    reduction: validatePublishedCell(top.reduction, 'reduction', limits),
    network: validatePublishedNetwork(top.network, 'network'),
  };
}

/** Either version, by its version field. */
export function validateAnyNasnet(json: unknown): NasnetArchitecture | PublishedNasnetArchitecture {
  const version =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as { version?: unknown }).version
      : undefined;
  if (version === 2) return validatePublishedNasnet(json);
  if (
    version !== 1 &&
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    (json as { family?: unknown }).family === 'nasnet'
  ) {
    throw new GenotypeError(
      'version',
      `${JSON.stringify(version)} is not a supported version (${SUPPORTED_NASNET_VERSIONS.join(', ')})`,
    );
  }
  return validateNasnet(json);
}

export function canonicalPublishedNasnet(arch: PublishedNasnetArchitecture): PublishedNasnetArchitecture {
  const cell = (c: PublishedNasnetCell): PublishedNasnetCell => ({
    blocks: c.blocks.map(canonicalBlock),
    output: [...new Set(c.output)].sort((a, b) => a - b),
  });
  const { cellsPerStage, reductions, filters, stem, stemFilters, skipReductionInput } = arch.network;
  return {
    family: 'nasnet',
    version: 2,
    normal: cell(arch.normal),
    reduction: cell(arch.reduction),
    network: { cellsPerStage, reductions, filters, stem, stemFilters, skipReductionInput },
  };
}

const stateName = (k: number) => (k === 0 ? 'h0' : k === 1 ? 'h1' : `${k - 2}`);

/** e.g. `N[...] out(h0,0,1,2,3,4) R[...] out(1,2,3,4) N=4 R=2 F=44 stem=imagenet/32` (`skip` for skipReductionInput). */
export function publishedNasnetString(arch: PublishedNasnetArchitecture): string {
  const { cellsPerStage, reductions, filters, stem, stemFilters, skipReductionInput } = arch.network;
  const out = (c: PublishedNasnetCell) => `out(${c.output.map(stateName).join(',')})`;
  return (
    `N[${cellString(arch.normal)}] ${out(arch.normal)} R[${cellString(arch.reduction)}] ${out(arch.reduction)} ` +
    `N=${cellsPerStage} R=${reductions} F=${filters} stem=${stem}/${stemFilters}${skipReductionInput ? ' skip' : ''}`
  );
}

const sameSize = (a: Tensor, b: Tensor) => a.h === b.h && a.w === b.w;

/** tensorflow/models' factorized_reduction at stride 1: 1x1 conv + BN, no relu. */
function projection(g: GraphBuilder, name: string, x: Tensor, filters: number): Tensor {
  const conv = g.add(
    `${name}/conv`,
    {
      op: 'conv2d',
      filters,
      kernel: [1, 1],
      strides: 1,
      padding: 'same',
      dilation: 1,
      useBias: false,
      activation: 'linear',
    },
    [x.id],
  );
  return { ...x, id: g.add(`${name}/bn`, { op: 'batchNorm' }, [conv]), c: filters };
}

/**
 * One cell as NasNetABaseCell builds it. h(i-1): relu, 1x1 conv, BN, always
 * (_cell_base). h(i-2) (_reduce_prev_layer): h(i-1) itself, unconverted, when
 * there is no earlier state (the first cell after the stem); a factorized
 * reduction when its size differs; relu, 1x1 conv, BN when only its width
 * differs; else as it is. Ops on a cell input use stride 2 in a reduction
 * cell. The output (_combine_unused_states) concatenates the listed states,
 * each brought to the last block's size and width first where it differs
 * (factorized reduction without relu; a 1x1 conv + BN at the same size).
 */
function publishedCell(
  g: GraphBuilder,
  name: string,
  spec: PublishedNasnetCell,
  reduction: boolean,
  prev2: Tensor | null,
  prev1: Tensor,
  filters: number,
): Tensor {
  const needed = new Set([...spec.blocks.flatMap((b) => b.inputs), ...spec.output]);
  const states: Tensor[] = [];
  if (needed.has(1)) states[1] = reluConvBn(g, `${name}/in1`, prev1, filters, [1, 1]);
  if (needed.has(0)) {
    if (prev2 === null) states[0] = prev1;
    else if (!sameSize(prev2, prev1)) {
      if (Math.ceil(prev2.h / 2) !== prev1.h || Math.ceil(prev2.w / 2) !== prev1.w) {
        throw new Error(`nasnet: ${name} cannot match h(i-2) ${prev2.h}x${prev2.w} to h(i-1) ${prev1.h}x${prev1.w}`);
      }
      states[0] = factorizedReduction(g, `${name}/in0_reduce`, prev2, filters);
    } else if (prev2.c !== filters) states[0] = reluConvBn(g, `${name}/in0`, prev2, filters, [1, 1]);
    else states[0] = prev2;
  }

  spec.blocks.forEach((block, b) => {
    const [l, r] = [0, 1].map((k) => {
      const input = block.inputs[k];
      return applyOp(g, `${name}/b${b}/op${k}`, block.ops[k], states[input], filters, reduction && input < 2 ? 2 : 1);
    });
    const id = g.add(`${name}/b${b}/${block.combine}`, { op: block.combine }, [l.id, r.id]);
    states[2 + b] = { ...l, id, c: block.combine === 'add' ? filters : l.c + r.c };
  });

  const final = states[1 + spec.blocks.length];
  const outputs = spec.output.map((k) => {
    const s = states[k];
    if (!sameSize(s, final))
      return factorizedReduction(g, `${name}/out${stateName(k)}_reduce`, s, final.c, { relu: false });
    if (s.c !== final.c) return projection(g, `${name}/out${stateName(k)}_project`, s, final.c);
    return s;
  });
  if (outputs.length === 1) return outputs[0];
  const id = g.add(
    `${name}/out`,
    { op: 'concat' },
    outputs.map((t) => t.id),
  );
  return { ...final, id, c: outputs.reduce((sum, t) => sum + t.c, 0) };
}

/**
 * The network of _build_nasnet_base: the stem ('cifar': 3x3 conv with
 * stemFilters + BN; 'imagenet': 3x3 stride-2 'valid' conv + BN, then two
 * reduction cells with F/4 and F/2 filters), then (N normal + 1 reduction) x R
 * and N normal cells, filters doubling at each reduction; head: relu, global
 * average pool, dense softmax (no auxiliary head: it is only built for
 * training, and Keras leaves it out).
 */
export function publishedNasnetGraph(
  arch: PublishedNasnetArchitecture,
  input: InputShape,
  classes: number,
): LayerGraph {
  const valid = validatePublishedNasnet(arch);
  if (!Number.isInteger(classes) || classes < 1)
    throw new Error(`nasnet: classes must be a positive integer, got ${classes}`);
  const { cellsPerStage, reductions, filters, stem, stemFilters, skipReductionInput } = valid.network;
  const g = new GraphBuilder(input);
  const imagenet = stem === 'imagenet';
  const stemConv = g.add(
    'stem/conv',
    {
      op: 'conv2d',
      filters: stemFilters,
      kernel: [3, 3],
      strides: imagenet ? 2 : 1,
      padding: imagenet ? 'valid' : 'same',
      dilation: 1,
      useBias: false,
      activation: 'linear',
    },
    [g.input],
  );
  const h = windowOutputLength(input.height, 3, imagenet ? 'valid' : 'same', imagenet ? 2 : 1);
  const w = windowOutputLength(input.width, 3, imagenet ? 'valid' : 'same', imagenet ? 2 : 1);
  let net: Tensor = { id: g.add('stem/bn', { op: 'batchNorm' }, [stemConv]), h, w, c: stemFilters };
  const outputs: (Tensor | null)[] = [null, net];
  if (imagenet) {
    for (const [k, f] of [
      [0, Math.floor(filters / 4)],
      [1, Math.floor(filters / 2)],
    ]) {
      net = publishedCell(g, `stem${k}_reduction`, valid.reduction, true, outputs[outputs.length - 2], net, f);
      outputs.push(net);
    }
  }
  let scale = 1;
  let index = 0;
  for (let c = 0; c < cellsPerStage * (reductions + 1); c++) {
    let prev = skipReductionInput ? outputs[outputs.length - 2] : null;
    if (c > 0 && c % cellsPerStage === 0) {
      scale *= 2;
      net = publishedCell(
        g,
        `cell${index++}_reduction`,
        valid.reduction,
        true,
        outputs[outputs.length - 2],
        net,
        filters * scale,
      );
      outputs.push(net);
    }
    if (!skipReductionInput) prev = outputs[outputs.length - 2];
    net = publishedCell(g, `cell${index++}_normal`, valid.normal, false, prev, net, filters * scale);
    outputs.push(net);
  }
  const relu = g.add('head/relu', { op: 'activation', fn: 'relu' }, [net.id]);
  const pooled = g.add('head/pool', { op: 'globalAvgPool', keepDims: false }, [relu]);
  return g.finish(g.add('head/dense', { op: 'dense', units: classes, useBias: true, activation: 'softmax' }, [pooled]));
}

/**
 * NASNet-A's cells with the published outputs: the normal cell concatenates
 * h(i-2) and its 5 blocks (Keras: concatenate([p, x1, x2, x3, x4, x5]);
 * nasnet_utils: used_hiddenstates [1, 0, 0, 0, 0, 0, 0], whose first two
 * entries are h(i-1), h(i-2)); the reduction cell its blocks 1-4 (Keras:
 * concatenate([x2, x3, x4, x5]); used_hiddenstates [1, 1, 1, 0, 0, 0, 0]).
 */
function nasnetA(network: PublishedNasnetNetwork): PublishedNasnetArchitecture {
  return {
    family: 'nasnet',
    version: 2,
    normal: { blocks: NASNET_A.normal.blocks, output: [0, 2, 3, 4, 5, 6] },
    reduction: { blocks: NASNET_A.reduction.blocks, output: [3, 4, 5, 6] },
    network,
  };
}

/** NASNet-A (6 @ 768) for CIFAR-10 (nasnet.py cifar_config: 18 cells, 32 filters, stem multiplier 3). */
export const NASNET_A_CIFAR = nasnetA({
  cellsPerStage: 6,
  reductions: 2,
  filters: 32,
  stem: 'cifar',
  stemFilters: 96,
  skipReductionInput: false,
});
/** NASNet-A Mobile (4 @ 1056): mobile_imagenet_config, Keras NASNetMobile (44 filters, 32 stem filters). */
export const NASNET_A_MOBILE = nasnetA({
  cellsPerStage: 4,
  reductions: 2,
  filters: 44,
  stem: 'imagenet',
  stemFilters: 32,
  skipReductionInput: false,
});
/** NASNet-A Large (6 @ 4032): large_imagenet_config, Keras NASNetLarge (168 filters, 96 stem filters, skip_reduction). */
export const NASNET_A_LARGE = nasnetA({
  cellsPerStage: 6,
  reductions: 2,
  filters: 168,
  stem: 'imagenet',
  stemFilters: 96,
  skipReductionInput: true,
});
