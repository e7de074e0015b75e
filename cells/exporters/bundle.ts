/**
 * Everything `nas export` writes for one trained network, as relative paths and contents: the
 * ONNX model, the tfjs LayersModel, the genotype, the protocol, the metrics (with params and
 * FLOPs) and a README with the loading code of both formats.
 */
import type * as tf from '@tensorflow/tfjs';
import { graphCost, FLOPS_CONVENTION } from '../cost.ts';
import type { LayerGraph } from '../graph.ts';
import type { Architecture } from '../../contracts/genotypes.ts';
import type { ExportFormat } from './formats.ts';
import { graphToOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from './onnx.ts';
import { layersModelFiles, NAS_LAYERS_FILE, NAS_LAYERS_MODULE, nodeWeightsOf, WEIGHTS_FILE } from './tfjs.ts';

export { EXPORT_FORMATS, type ExportFormat } from './formats.ts';

export const ONNX_FILE = 'model.onnx';
export const TFJS_DIR = 'tfjs';

/** Class names of the datasets the registry knows, in label order (a dataset of the user's: its descriptor's). */
const CLASS_NAMES: Record<string, string[]> = {
  'fashion-mnist': [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

/** Where the trained weights come from and what they scored: written as metrics.json. */
export interface ExportedTrial {
  /** Null when `nas export --train` trained the weights (not recorded). */
  trialId: string | null;
  searchId: string | null;
  role: string;
  seed: number;
  status: string;
  valAccuracy: number | null;
  testAccuracy: number | null;
  /** The last trained epoch (0-based) of the weights. */
  weightsEpoch: number;
  epochs: unknown[];
  trainSeconds: number | null;
  backend: string | null;
  device: string | null;
}

export interface ExportBundleInput {
  architecture: Architecture;
  archHash: string;
  description: string;
  graph: LayerGraph;
  /** Built from `graph` (buildExportModel), holding the trained weights. */
  model: tf.LayersModel;
  dataset: string;
  input: { height: number; width: number; channels: number };
  classes: number;
  /** The class names of a dataset of the user's (its descriptor's); the registry's otherwise. */
  classNames?: string[];
  protocol: object;
  protocolHash: string;
  trial: ExportedTrial;
  format: ExportFormat;
  /** The version of this project, recorded in the ONNX model. */
  producerVersion?: string;
}

/** Relative path -> content, in writing order. */
export type BundleFiles = Map<string, string | Uint8Array>;

export async function exportBundle(input: ExportBundleInput): Promise<BundleFiles> {
  const files: BundleFiles = new Map();
  const cost = graphCost(input.graph);
  const classNames = input.classNames ?? CLASS_NAMES[input.dataset];
  let customLayers: string[] = [];
  if (input.format !== 'tfjs') {
    const onnxBytes = graphToOnnx(input.graph, nodeWeightsOf(input.model), {
      name: `nas_${input.archHash}`,
      docString: `${input.description}\ngenotype: ${JSON.stringify(input.architecture)}`,
      producerVersion: input.producerVersion,
      metadata: {
        architecture_hash: input.archHash,
        ...(input.trial.trialId && { trial_id: input.trial.trialId }),
        protocol_hash: input.protocolHash,
        input_layout: 'NHWC, pixel values in [0, 1]',
        ...(classNames && { class_names: JSON.stringify(classNames) }),
      },
    });
    files.set(ONNX_FILE, onnxBytes);
  }
  if (input.format !== 'onnx') {
    const tfjsFiles = await layersModelFiles(input.model);
    customLayers = tfjsFiles.customLayers;
    files.set(`${TFJS_DIR}/model.json`, `${JSON.stringify(tfjsFiles.modelJson)}\n`);
    files.set(`${TFJS_DIR}/${WEIGHTS_FILE}`, tfjsFiles.weights);
    if (customLayers.length > 0) files.set(`${TFJS_DIR}/${NAS_LAYERS_FILE}`, NAS_LAYERS_MODULE);
  }
  files.set('genotype.json', `${JSON.stringify(input.architecture, null, 2)}\n`);
  files.set('protocol.json', `${JSON.stringify({ hash: input.protocolHash, ...input.protocol }, null, 2)}\n`);
  const metrics = {
    architecture: { hash: input.archHash, family: input.architecture.family, description: input.description },
    params: cost.params,
    flops: cost.flops,
    flopsConvention: FLOPS_CONVENTION,
    input: { ...input.input, layout: 'NHWC', values: 'pixel / 255, in [0, 1]' },
    classes: input.classes,
    ...(classNames && { classNames }),
    ...input.trial,
  };
  files.set('metrics.json', `${JSON.stringify(metrics, null, 2)}\n`);
  files.set('README.md', readme(input, cost, customLayers, classNames));
  return files;
}

function percent(value: number | null): string {
  return value === null ? 'not measured' : `${(100 * value).toFixed(2)}%`;
}

function readme(
  input: ExportBundleInput,
  cost: { params: number; flops: number },
  customLayers: string[],
  classNames: string[] | undefined,
): string {
  const { height, width, channels } = input.input;
  const shape = `[batch, ${height}, ${width}, ${channels}]`;
  const lines = [
    `# ${input.description}`,
    '',
    `Architecture \`${input.archHash}\` (${input.architecture.family}), trained ` +
      `${input.trial.trialId ? `as trial \`${input.trial.trialId}\` (${input.trial.role}, seed ${input.trial.seed})` : `by \`nas export --train\` (seed ${input.trial.seed}, not recorded)`} under protocol \`${input.protocolHash}\` on ${input.dataset}: ` +
      `validation accuracy ${percent(input.trial.valAccuracy)}, test accuracy ${percent(input.trial.testAccuracy)}. ` +
      `${cost.params.toLocaleString('en-US')} parameters, ${cost.flops.toLocaleString('en-US')} FLOPs (multiply-accumulates of conv and dense layers).`,
    '',
    '| file | what |',
    '| --- | --- |',
    ...(input.format !== 'tfjs'
      ? [`| \`${ONNX_FILE}\` | ONNX (opset ${ONNX_OPSET}), input \`${ONNX_INPUT}\`, output \`${ONNX_OUTPUT}\` |`]
      : []),
    ...(input.format !== 'onnx'
      ? [
          `| \`${TFJS_DIR}/model.json\`, \`${TFJS_DIR}/${WEIGHTS_FILE}\` | TensorFlow.js LayersModel |`,
          ...(customLayers.length > 0
            ? [`| \`${TFJS_DIR}/${NAS_LAYERS_FILE}\` | registers ${customLayers.join(', ')} for tfjs (see below) |`]
            : []),
        ]
      : []),
    '| `genotype.json` | the architecture (`nas cells show genotype.json` prints it) |',
    '| `protocol.json` | the training protocol and its hash |',
    '| `metrics.json` | accuracies, learning curve, parameters, FLOPs, input shape, class names |',
    '',
    `**Input**: float32 images ${shape} (NHWC, channels last), pixel values divided by 255 (in [0, 1]), as the trainer saw them. ` +
      `**Output**: class probabilities [batch, ${input.classes}] (softmax)${classNames ? `, classes in this order: ${classNames.join(', ')}` : ''}.`,
    '',
  ];
  if (input.format !== 'tfjs') {
    lines.push(
      '## ONNX',
      '',
      'Node.js (`npm install onnxruntime-node`), as `load.mjs` beside this README:',
      '',
      '```js',
      "import * as ort from 'onnxruntime-node';",
      `const session = await ort.InferenceSession.create('${ONNX_FILE}');`,
      `const images = new Float32Array(${height * width * channels}); // one image, values in [0, 1]`,
      `const { ${ONNX_OUTPUT} } = await session.run({ ${ONNX_INPUT}: new ort.Tensor('float32', images, [1, ${height}, ${width}, ${channels}]) });`,
      `console.log(${ONNX_OUTPUT}.data); // ${input.classes} probabilities`,
      '```',
      '',
      'Python (`pip install onnxruntime numpy`):',
      '',
      '```python',
      'import numpy as np, onnxruntime as ort',
      `session = ort.InferenceSession("${ONNX_FILE}")`,
      `images = np.zeros((1, ${height}, ${width}, ${channels}), dtype=np.float32)  # values in [0, 1]`,
      `probabilities = session.run(["${ONNX_OUTPUT}"], {"${ONNX_INPUT}": images})[0]`,
      '```',
      '',
    );
  }
  if (input.format !== 'onnx') {
    const register = customLayers.length > 0;
    lines.push(
      '## TensorFlow.js',
      '',
      register
        ? `The network first resizes its input bilinearly. tfjs' own Resizing layer cannot sit inside a functional model, so \`${NAS_LAYERS_FILE}\` defines that layer (${customLayers.join(', ')}): call \`registerNasLayers(tf)\` before loading.`
        : 'Every layer is a standard tfjs layer: nothing but `@tensorflow/tfjs` is needed.',
      '',
      'Node.js with only `@tensorflow/tfjs` (it has no file system handler: the files are read and handed over), as `load.mjs` beside this README:',
      '',
      '```js',
      "import * as tf from '@tensorflow/tfjs';",
      "import { readFileSync } from 'node:fs';",
      ...(register
        ? [`import { registerNasLayers } from './${TFJS_DIR}/${NAS_LAYERS_FILE}';`, 'registerNasLayers(tf);']
        : []),
      `const json = JSON.parse(readFileSync('${TFJS_DIR}/model.json', 'utf8'));`,
      `const weights = readFileSync('${TFJS_DIR}/${WEIGHTS_FILE}');`,
      'const model = await tf.loadLayersModel(tf.io.fromMemory({',
      '  modelTopology: json.modelTopology,',
      '  weightSpecs: json.weightsManifest[0].weights,',
      '  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),',
      '}));',
      `const probabilities = model.predict(tf.zeros([1, ${height}, ${width}, ${channels}])); // values in [0, 1]`,
      'probabilities.print();',
      '```',
      '',
      `In a browser: \`await tf.loadLayersModel('${TFJS_DIR}/model.json')\`${register ? ' after `registerNasLayers(tf)`' : ''}; with \`@tensorflow/tfjs-node\`: \`tf.loadLayersModel('file://${TFJS_DIR}/model.json')\`.`,
      '',
    );
  }
  return lines.join('\n');
}
