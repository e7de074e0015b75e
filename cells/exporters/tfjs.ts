/**
 * The tfjs side of an export: a trained network rebuilt from its layer graph with tfjs' own
 * layers, its weights read per graph node (for the ONNX writer), and the files of a tfjs
 * LayersModel (model.json + one weights file) that `tf.loadLayersModel` reads with nothing but
 * @tensorflow/tfjs, plus a small module registering the one custom layer left (bilinear resize of
 * a resolution-scaled EfficientNet) when the network has it.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel, layerNameFor, ResizeBilinear } from '../builders/tfjs.ts';
import { isBatchNormalization } from '../builders/batch-norm.ts';
import type { LayerGraph, LayerNode } from '../graph.ts';
import type { NodeWeights, WeightArray } from './onnx.ts';

/** The network of `graph` with tfjs' standard layers (see BuildOptions.standardLayers), weights still initial. */
export function buildExportModel(graph: LayerGraph, name: string): tf.LayersModel {
  return buildModel(graph, name, { standardLayers: true });
}

const WEIGHT_KEYS: Record<string, keyof Omit<NodeWeights, 'epsilon'>> = {
  kernel: 'kernel',
  depthwise_kernel: 'kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  moving_mean: 'movingMean',
  moving_variance: 'movingVariance',
};

/** The weights of a graph node in a model built from that graph (by buildModel, with or without standard layers). */
export function nodeWeightsOf(model: tf.LayersModel): (node: LayerNode) => NodeWeights {
  return (node) => {
    const layer = model.getLayer(layerNameFor(node));
    const weights: NodeWeights = {};
    for (const variable of layer.weights) {
      const suffix = variable.originalName.split('/').pop()!;
      const key = WEIGHT_KEYS[suffix];
      if (!key)
        throw new Error(`export: layer ${layer.name} has a weight ${variable.originalName} that no exporter reads`);
      const values = Float32Array.from(variable.read().dataSync() as Float32Array);
      weights[key] = { shape: [...variable.shape] as number[], values } satisfies WeightArray;
    }
    if (isBatchNormalization(layer)) weights.epsilon = layer.epsilon;
    return weights;
  };
}

export interface LayersModelFiles {
  /** model.json: topology, format and the weights manifest naming WEIGHTS_FILE. */
  modelJson: tf.io.ModelJSON;
  weights: Uint8Array;
  /** Class names of layers that plain @tensorflow/tfjs does not know (registered by NAS_LAYERS_MODULE). */
  customLayers: string[];
}

export const WEIGHTS_FILE = 'weights.bin';
export const NAS_LAYERS_FILE = 'nas-layers.mjs';

/** What `model.save` would write, as the bytes of model.json and its weights file. */
export async function layersModelFiles(model: tf.LayersModel): Promise<LayersModelFiles> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new Error('export: tfjs saved no weights');
  const parts = (Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]).map(
    (b) => new Uint8Array(b),
  );
  const weights = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.length;
  }
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  const customLayers = [
    ...new Set(model.layers.map((l) => l.getClassName()).filter((name) => name === ResizeBilinear.className)),
  ];
  return { modelJson, weights, customLayers };
}

/**
 * An ES module for plain @tensorflow/tfjs that registers NasResizeBilinear: tfjs' bilinear resize
 * without align corners or half-pixel centres (tfjs' own Resizing layer drops the batch axis of
 * its output shape, so it cannot sit inside a functional model).
 */
export const NAS_LAYERS_MODULE = `// Registers the layer of this model that @tensorflow/tfjs does not have. Usage:
//   import * as tf from '@tensorflow/tfjs';
//   import { registerNasLayers } from './nas-layers.mjs';
//   registerNasLayers(tf);   // before tf.loadLayersModel
export function registerNasLayers(tf) {
  class NasResizeBilinear extends tf.layers.Layer {
    constructor(args) {
      super(args);
      this.height = args.height;
      this.width = args.width;
    }
    computeOutputShape(inputShape) {
      const shape = Array.isArray(inputShape[0]) ? inputShape[0] : inputShape;
      return [shape[0], this.height, this.width, shape[3]];
    }
    call(inputs) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.image.resizeBilinear(x, [this.height, this.width], false, false);
    }
    getConfig() {
      return { ...super.getConfig(), height: this.height, width: this.width };
    }
  }
  NasResizeBilinear.className = 'NasResizeBilinear';
  tf.serialization.registerClass(NasResizeBilinear);
}
`;
