/** The NASNet search space as a fixed sequence of categorical decisions. */
import { stableHash } from '../../contracts/hash.ts';
import {
  GenotypeError,
  NASNET_OPS,
  type Architecture,
  type CellBlock,
  type Combine,
  type Decision,
  type DecisionSpace,
  type NasnetArchitecture,
  type NasnetCell,
  type NasnetNetwork,
  type NasnetOp,
  type PublishedNasnetArchitecture,
  type PublishedNasnetNetwork,
} from '../../contracts/genotypes.ts';
import { COMBINES, DEFAULT_NASNET_NETWORK, MAX_BLOCKS, canonicalNasnet, validateNasnet } from './genotype.ts';
import { unconsumedBlocks } from './network.ts';
import { canonicalPublishedNasnet, validateAnyNasnet, validatePublishedNasnet } from './published.ts';

export interface NasnetSpaceConfig {
  /** Blocks per cell (default 5). */
  blocks?: number;
  /** Candidate ops, a subset of NASNET_OPS (default all 13). */
  ops?: readonly NasnetOp[];
  /** Candidate combinations (default ['add']). */
  combine?: readonly Combine[];
  /**
   * The fixed network the cells are stacked into (default DEFAULT_NASNET_NETWORK). A network
   * with a stem (PublishedNasnetNetwork) makes the space decode version-2 genotypes: the
   * published input and stem rules, and as cell output the paper's rule (Zoph et al. 2018,
   * section 3: "all unused hidden states generated in the convolutional cell are concatenated").
   */
  network?: NasnetNetwork | PublishedNasnetNetwork;
}

const isPublished = (network: NasnetNetwork | PublishedNasnetNetwork): network is PublishedNasnetNetwork =>
  'stem' in network;

/** The output of a version-2 cell a space decodes: the blocks no block reads, as hidden states 2 + k. */
export function unusedStates(cell: NasnetCell): number[] {
  return unconsumedBlocks(cell).map((k) => 2 + k);
}

export type ResolvedNasnetSpaceConfig = Required<NasnetSpaceConfig>;

function distinctSubset<T extends string>(
  values: readonly T[] | undefined,
  all: readonly T[],
  fallback: readonly T[],
  path: string,
): T[] {
  const chosen = [...(values ?? fallback)];
  if (chosen.length === 0) throw new GenotypeError(path, `must list at least one of ${all.join(', ')}`);
  chosen.forEach((v, i) => {
    if (!all.includes(v))
      throw new GenotypeError(`${path}[${i}]`, `${JSON.stringify(v)} is not one of ${all.join(', ')}`);
    if (chosen.indexOf(v) !== i) throw new GenotypeError(`${path}[${i}]`, `${JSON.stringify(v)} is listed twice`);
  });
  // Decision indices follow the canonical order, whatever order the caller listed.
  return all.filter((v) => chosen.includes(v));
}

/** Fills in defaults and checks the config; errors name the config field. */
export function resolveNasnetSpaceConfig(config: NasnetSpaceConfig = {}): ResolvedNasnetSpaceConfig {
  const blocks = config.blocks ?? 5;
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > MAX_BLOCKS) {
    throw new GenotypeError('space.blocks', `${JSON.stringify(blocks)} is not an integer in 1..${MAX_BLOCKS}`);
  }
  const ops = distinctSubset(config.ops, NASNET_OPS, NASNET_OPS, 'space.ops');
  const combine = distinctSubset(config.combine, COMBINES, ['add'], 'space.combine');
  const network = config.network ?? DEFAULT_NASNET_NETWORK;
  const probe = { blocks: [{ inputs: [0, 0], ops: [ops[0], ops[0]], combine: combine[0] }] };
  if (isPublished(network)) {
    const cell = { ...probe, output: [2] };
    validatePublishedNasnet({ family: 'nasnet', version: 2, normal: cell, reduction: cell, network }); // checks network
  } else {
    validateNasnet({ family: 'nasnet', version: 1, normal: probe, reduction: probe, network }); // checks network
  }
  return { blocks, ops, combine, network: { ...network } };
}

const CELLS = ['normal', 'reduction'] as const;

/**
 * Decision order: for each block of the normal cell, then of the reduction
 * cell: inputs[0], inputs[1], ops[0], ops[1], combine. The combine decision is
 * present even when it has a single choice, so the sequence length is fixed
 * (10 * blocks).
 */
export function nasnetSpace(config: NasnetSpaceConfig = {}): DecisionSpace {
  const space = resolveNasnetSpaceConfig(config);
  const decisions: Decision[] = [];
  for (const cell of CELLS) {
    for (let b = 0; b < space.blocks; b++) {
      const at = `${cell}.blocks[${b}]`;
      decisions.push(
        { name: `${at}.inputs[0]`, size: 2 + b },
        { name: `${at}.inputs[1]`, size: 2 + b },
        { name: `${at}.ops[0]`, size: space.ops.length },
        { name: `${at}.ops[1]`, size: space.ops.length },
        { name: `${at}.combine`, size: space.combine.length },
      );
    }
  }
  const { network } = space;
  const stem = isPublished(network) ? `-${network.stem}` : '';
  const id = `nasnet-b${space.blocks}-N${network.cellsPerStage}R${network.reductions}F${network.filters}${stem}-${stableHash(space).slice(0, 8)}`;

  return {
    id,
    decisions,
    decode(choices: readonly number[]): NasnetArchitecture | PublishedNasnetArchitecture {
      if (choices.length !== decisions.length) {
        throw new GenotypeError(
          'choices',
          `has ${choices.length} items, the space ${id} has ${decisions.length} decisions`,
        );
      }
      choices.forEach((c, i) => {
        if (!Number.isInteger(c) || c < 0 || c >= decisions[i].size) {
          throw new GenotypeError(
            `choices[${i}] (${decisions[i].name})`,
            `${c} is not an integer in 0..${decisions[i].size - 1}`,
          );
        }
      });
      let next = 0;
      const cell = () => ({
        blocks: Array.from({ length: space.blocks }, (): CellBlock => {
          const [i0, i1, o0, o1, c] = choices.slice(next, (next += 5));
          return { inputs: [i0, i1], ops: [space.ops[o0], space.ops[o1]], combine: space.combine[c] };
        }),
      });
      const normal = cell();
      const reduction = cell();
      if (isPublished(network)) {
        return canonicalPublishedNasnet({
          family: 'nasnet',
          version: 2,
          normal: { ...normal, output: unusedStates(normal) },
          reduction: { ...reduction, output: unusedStates(reduction) },
          network: { ...network },
        });
      }
      return canonicalNasnet({ family: 'nasnet', version: 1, normal, reduction, network: { ...network } });
    },
    encode(arch: Architecture): number[] {
      const wanted = isPublished(network) ? 2 : 1;
      const parsed = validateAnyNasnet(arch);
      if (parsed.version !== wanted)
        throw new GenotypeError(
          'version',
          `this space holds version-${wanted} genotypes, got version ${parsed.version}`,
        );
      const valid = parsed.version === 2 ? validatePublishedNasnet(arch, space) : validateNasnet(arch, space);
      if (stableHash(valid.network) !== stableHash(network)) {
        throw new GenotypeError(
          'network',
          `${JSON.stringify(valid.network)} differs from the space's fixed network ${JSON.stringify(network)}`,
        );
      }
      if (valid.version === 2) {
        for (const c of CELLS) {
          const want = unusedStates(valid[c]);
          if (stableHash([...valid[c].output].sort((a, b) => a - b)) !== stableHash(want)) {
            throw new GenotypeError(
              `${c}.output`,
              `this space concatenates the blocks no block reads (${JSON.stringify(want)}), got ${JSON.stringify(valid[c].output)}`,
            );
          }
        }
      }
      const canonical = valid.version === 2 ? canonicalPublishedNasnet(valid) : canonicalNasnet(valid);
      return CELLS.flatMap((c) =>
        canonical[c].blocks.flatMap((b) => [
          b.inputs[0],
          b.inputs[1],
          space.ops.indexOf(b.ops[0]),
          space.ops.indexOf(b.ops[1]),
          space.combine.indexOf(b.combine),
        ]),
      );
    },
  };
}

/** A uniformly random genotype of the space (each decision uniform), reproducible from `rng`. */
export function sampleNasnet(rng: () => number, config: NasnetSpaceConfig = {}): NasnetArchitecture {
  const space = nasnetSpace(config);
  return space.decode(
    space.decisions.map((d) => Math.min(d.size - 1, Math.floor(rng() * d.size))),
  ) as NasnetArchitecture;
}

/** A uniformly random version-2 genotype of a space whose network has a stem. */
export function samplePublishedNasnet(
  rng: () => number,
  config: NasnetSpaceConfig & { network: PublishedNasnetNetwork },
): PublishedNasnetArchitecture {
  const space = nasnetSpace(config);
  return space.decode(
    space.decisions.map((d) => Math.min(d.size - 1, Math.floor(rng() * d.size))),
  ) as PublishedNasnetArchitecture;
}
