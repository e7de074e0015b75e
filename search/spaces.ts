/** The search spaces a request can name, each seen by strategies as a DecisionSpace. */
import type { DecisionSpace } from '../contracts/genotypes.ts';
import { nasnetSpace, type NasnetSpaceConfig } from '../cells/nasnet/index.ts';
import { efficientNetSpace, type EfficientNetSpaceConfig } from '../cells/efficientnet/index.ts';

export type SpaceSpec =
  | ({ space: 'nasnet' } & Partial<NasnetSpaceConfig>)
  | ({ space: 'efficientnet' } & Partial<EfficientNetSpaceConfig>);

export function makeDecisionSpace(spec: SpaceSpec): DecisionSpace {
  const { space, ...config } = spec;
  switch (space) {
    case 'nasnet':
      return nasnetSpace(config as Partial<NasnetSpaceConfig>);
    case 'efficientnet':
      return efficientNetSpace(config as Partial<EfficientNetSpaceConfig>);
  }
}
