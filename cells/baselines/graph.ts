import type { LayerGraph } from '../graph';
import type { BaselineArchitecture, BaselineNetwork, InputShape } from '../../contracts/genotypes';
import { alexnetSmallGraph } from './networks/alexnet';
import { lenet5Graph } from './networks/lenet5';
import { mobilenetv2SmallGraph } from './networks/mobilenetv2';
import { resnet20Graph } from './networks/resnet';
import { squeezenetSmallGraph } from './networks/squeezenet';
import { vggSmallGraph } from './networks/vgg';
import { validateBaseline } from './validate';
import { checkInputAndClasses } from './layers';

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
