/** NASNet genotypes (Zoph et al. 2018): validation, canonical form, compact string. */
import {
  GenotypeError,
  NASNET_OPS,
  type CellBlock,
  type Combine,
  type NasnetArchitecture,
  type NasnetCell,
  type NasnetNetwork,
  type NasnetOp,
} from '../../contracts/genotypes.ts';

export const COMBINES: readonly Combine[] = ['add', 'concat'];
export const MAX_BLOCKS = 10;
/** Limits of the network macro-parameters: [min, max], integers. */
export const NETWORK_LIMITS: Record<keyof NasnetNetwork, [number, number]> = {
  cellsPerStage: [1, 12],
  reductions: [0, 5],
  filters: [2, 1024],
};
/** Small network for 28x28 inputs. */
export const DEFAULT_NASNET_NETWORK: NasnetNetwork = { cellsPerStage: 2, reductions: 2, filters: 16 };

/** What a genotype may use; validation against a search space narrows the defaults. */
export interface NasnetLimits {
  /** Exact number of blocks per cell; any of 1..MAX_BLOCKS when absent. */
  blocks?: number;
  ops?: readonly NasnetOp[];
  combine?: readonly Combine[];
}

type Json = Record<string, unknown>;

export function record(value: unknown, path: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GenotypeError(path, `must be an object with fields ${keys.join(', ')}`);
  }
  const json = value as Json;
  for (const key of Object.keys(json)) {
    if (!keys.includes(key))
      throw new GenotypeError(`${path}.${key}`, `unknown field; allowed fields are ${keys.join(', ')}`);
  }
  for (const key of keys) {
    if (!(key in json)) throw new GenotypeError(`${path}.${key}`, 'is missing');
  }
  return json;
}

function pair(value: unknown, path: string): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw new GenotypeError(path, 'must be an array of exactly 2 items');
  return [value[0], value[1]];
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new GenotypeError(path, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function integer(value: unknown, [min, max]: [number, number], path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new GenotypeError(path, `${JSON.stringify(value)} is not an integer in ${min}..${max}`);
  }
  return value;
}

export function validateCell(value: unknown, path: string, limits: NasnetLimits): NasnetCell {
  const json = record(value, path, ['blocks']);
  const blocks = json.blocks;
  const count = limits.blocks;
  if (
    !Array.isArray(blocks) ||
    blocks.length < 1 ||
    blocks.length > MAX_BLOCKS ||
    (count !== undefined && blocks.length !== count)
  ) {
    const wanted = count !== undefined ? `exactly ${count}` : `1..${MAX_BLOCKS}`;
    throw new GenotypeError(`${path}.blocks`, `must be an array of ${wanted} blocks`);
  }
  const ops = limits.ops ?? NASNET_OPS;
  const combine = limits.combine ?? COMBINES;
  return {
    blocks: blocks.map((block, b): CellBlock => {
      const at = `${path}.blocks[${b}]`;
      const j = record(block, at, ['inputs', 'ops', 'combine']);
      const inputs = pair(j.inputs, `${at}.inputs`).map((v, k) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1 + b) {
          throw new GenotypeError(
            `${at}.inputs[${k}]`,
            `${JSON.stringify(v)} is not an integer in 0..${1 + b} (0 = h(i-2), 1 = h(i-1), 2+k = block k of this cell)`,
          );
        }
        return v;
      }) as [number, number];
      const blockOps = pair(j.ops, `${at}.ops`).map((v, k) => oneOf(v, ops, `${at}.ops[${k}]`)) as [NasnetOp, NasnetOp];
      return { inputs, ops: blockOps, combine: oneOf(j.combine, combine, `${at}.combine`) };
    }),
  };
}

export function validateNetwork(value: unknown, path: string): NasnetNetwork {
  const keys = Object.keys(NETWORK_LIMITS) as (keyof NasnetNetwork)[];
  const json = record(value, path, keys);
  const network = {} as NasnetNetwork;
  for (const key of keys) network[key] = integer(json[key], NETWORK_LIMITS[key], `${path}.${key}`);
  return network;
}

/**
 * Checks untrusted JSON and returns a clean copy. Throws GenotypeError naming
 * the field (e.g. `normal.blocks[2].ops[1]`) and the allowed values.
 */
export function validateNasnet(json: unknown, limits: NasnetLimits = {}): NasnetArchitecture {
  const top = record(json, 'architecture', ['family', 'version', 'normal', 'reduction', 'network']);
  if (top.family !== 'nasnet') throw new GenotypeError('family', `${JSON.stringify(top.family)} is not "nasnet"`);
  if (top.version !== 1)
    throw new GenotypeError('version', `${JSON.stringify(top.version)} is not a supported version (1)`);
  return {
    family: 'nasnet',
    version: 1,
    normal: validateCell(top.normal, 'normal', limits),
    reduction: validateCell(top.reduction, 'reduction', limits),
    network: validateNetwork(top.network, 'network'),
  };
}

const opOrder = (op: NasnetOp) => NASNET_OPS.indexOf(op);

/** The pairs of an add-combined block are unordered, so they are sorted by (input, op); concat keeps its order. */
export function canonicalBlock(block: CellBlock): CellBlock {
  const pairs: [number, NasnetOp][] = [
    [block.inputs[0], block.ops[0]],
    [block.inputs[1], block.ops[1]],
  ];
  if (block.combine === 'add') pairs.sort((a, b) => a[0] - b[0] || opOrder(a[1]) - opOrder(b[1]));
  return { inputs: [pairs[0][0], pairs[1][0]], ops: [pairs[0][1], pairs[1][1]], combine: block.combine };
}

/** One representative of all genotypes that denote the same network, with a fixed key layout. */
export function canonicalNasnet(arch: NasnetArchitecture): NasnetArchitecture {
  const { cellsPerStage, reductions, filters } = arch.network;
  return {
    family: 'nasnet',
    version: 1,
    normal: { blocks: arch.normal.blocks.map(canonicalBlock) },
    reduction: { blocks: arch.reduction.blocks.map(canonicalBlock) },
    network: { cellsPerStage, reductions, filters },
  };
}

export const NASNET_OP_ABBREVIATIONS: Record<NasnetOp, string> = {
  identity: 'id',
  conv_1x3_3x1: 'c13',
  conv_1x7_7x1: 'c17',
  dil_conv_3x3: 'dil3',
  avg_pool_3x3: 'avg3',
  max_pool_3x3: 'max3',
  max_pool_5x5: 'max5',
  max_pool_7x7: 'max7',
  conv_1x1: 'conv1',
  conv_3x3: 'conv3',
  sep_conv_3x3: 'sep3',
  sep_conv_5x5: 'sep5',
  sep_conv_7x7: 'sep7',
};

export function cellString(cell: NasnetCell): string {
  return cell.blocks
    .map((b) => {
      const [l, r] = [0, 1].map((k) => `${NASNET_OP_ABBREVIATIONS[b.ops[k]]}(${b.inputs[k]})`);
      return b.combine === 'add' ? `${l}+${r}` : `${l}&${r}`;
    })
    .join(' | ');
}

/**
 * Compact readable form, e.g. `N[sep3(1)+id(0) | ...] R[...] N=2 R=2 F=16`.
 * `a+b` adds the two branches, `a&b` concatenates them; (k) is the input index.
 */
export function nasnetString(arch: NasnetArchitecture): string {
  const { cellsPerStage, reductions, filters } = arch.network;
  return `N[${cellString(arch.normal)}] R[${cellString(arch.reduction)}] N=${cellsPerStage} R=${reductions} F=${filters}`;
}

const block = (ops: [NasnetOp, NasnetOp], inputs: [number, number]): CellBlock => ({ inputs, ops, combine: 'add' });

/**
 * NASNet-A (Zoph et al. 2018), from tensorflow/models research/slim/nets/nasnet/nasnet_utils.py
 * (NasNetANormalCell, NasNetAReductionCell). There hidden state 0 is h(i-1) and
 * 1 is h(i-2); here 0 is h(i-2) and 1 is h(i-1), so those two indices are
 * swapped; block outputs (2+k) are the same. 'none' is identity.
 *
 * The ops and wiring are exact. The cell output differs: the published code
 * concatenates a hard-coded list of states (normal: h(i-2) and all 5 blocks;
 * reduction: blocks 1-4), while this space always concatenates the blocks that
 * no block reads (normal: all 5 blocks; reduction: blocks 2-4).
 */
export const NASNET_A: NasnetArchitecture = {
  family: 'nasnet',
  version: 1,
  normal: {
    blocks: [
      block(['sep_conv_5x5', 'sep_conv_3x3'], [1, 0]),
      block(['sep_conv_5x5', 'sep_conv_3x3'], [0, 0]),
      block(['avg_pool_3x3', 'identity'], [1, 0]),
      block(['avg_pool_3x3', 'avg_pool_3x3'], [0, 0]),
      block(['sep_conv_3x3', 'identity'], [1, 1]),
    ],
  },
  reduction: {
    blocks: [
      block(['sep_conv_5x5', 'sep_conv_7x7'], [1, 0]),
      block(['max_pool_3x3', 'sep_conv_7x7'], [1, 0]),
      block(['avg_pool_3x3', 'sep_conv_5x5'], [1, 0]),
      block(['identity', 'avg_pool_3x3'], [3, 2]),
      block(['sep_conv_3x3', 'max_pool_3x3'], [2, 1]),
    ],
  },
  network: DEFAULT_NASNET_NETWORK,
};
