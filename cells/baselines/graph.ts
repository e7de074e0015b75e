import type { LayerGraph } from '../graph.ts';
import type { BaselineArchitecture, BaselineNetwork, InputShape } from '../../contracts/genotypes.ts';
import { alexnetSmallGraph } from './networks/alexnet.ts';
import { lenet5Graph } from './networks/lenet5.ts';
import { mobilenetv2SmallGraph } from './networks/mobilenetv2.ts';
import { resnet20Graph } from './networks/resnet.ts';
import { squeezenetSmallGraph } from './networks/squeezenet.ts';
import { vggSmallGraph } from './networks/vgg.ts';
import { validateBaseline } from './validate.ts';
import { checkInputAndClasses } from './layers.ts';

const BUILDERS: Record<BaselineNetwork, (input: InputShape, classes: number) => LayerGraph> = {
  lenet5: lenet5Graph,
  'alexnet-small': alexnetSmallGraph,
  'vgg-small': vggSmallGraph,
  'squeezenet-small': squeezenetSmallGraph,
  resnet20: resnet20Graph,
  'mobilenetv2-small': mobilenetv2SmallGraph,
};

export function baselineGraph(arch: BaselineArchitecture, input: InputShape, classes: number): LayerGraph {
  const { name } = validateBaseline(arch);
  checkInputAndClasses(input, classes);
  return BUILDERS[name](input, classes);
}
