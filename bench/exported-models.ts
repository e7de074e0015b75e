/**
 * The two formats of a `nas export` directory, loaded the way a user outside this project would:
 * model.onnx in onnxruntime-web, tfjs/model.json with `tf.loadLayersModel` through a file IO
 * handler (tfjs/nas-layers.mjs registered first when the export has it), each predicting class
 * probabilities for NHWC images in [0, 1], batch by batch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { ONNX_FILE, TFJS_DIR } from '../cells/exporters/bundle.ts';
import { ONNX_INPUT, ONNX_OUTPUT } from '../cells/exporters/onnx.ts';
import { NAS_LAYERS_FILE } from '../cells/exporters/tfjs.ts';
import type { ImageShape } from '../contracts/datasets.ts';

/** Images through a model: `count` NHWC images in, `count x classes` probabilities out. */
export type Predict = (images: Float32Array, count: number) => Promise<Float32Array>;

export interface LoadedModel {
  predict: Predict;
  dispose(): Promise<void>;
}

export async function loadOnnxModel(dir: string, input: ImageShape): Promise<LoadedModel> {
  const session = await ort.InferenceSession.create(requireFile(join(dir, ONNX_FILE)));
  return {
    predict: async (images, count) => {
      const feeds = {
        [ONNX_INPUT]: new ort.Tensor('float32', images, [count, input.height, input.width, input.channels]),
      };
      const output = (await session.run(feeds))[ONNX_OUTPUT];
      return Float32Array.from(output.data as Float32Array);
    },
    dispose: () => session.release(),
  };
}

export async function loadTfjsModel(
  dir: string,
  input: ImageShape,
): Promise<LoadedModel & { registeredNasLayers: boolean }> {
  const modelJson = requireFile(join(dir, TFJS_DIR, 'model.json'));
  const nasLayers = join(dir, TFJS_DIR, NAS_LAYERS_FILE);
  const registeredNasLayers = existsSync(nasLayers);
  if (registeredNasLayers) {
    const module = (await import(pathToFileURL(nasLayers).href)) as { registerNasLayers(tfjs: typeof tf): void };
    module.registerNasLayers(tf);
  }
  const model = await tf.loadLayersModel(fileHandler(modelJson));
  return {
    registeredNasLayers,
    predict: async (images, count) =>
      tf
        .tidy(
          () =>
            (
              model.predict(tf.tensor4d(images, [count, input.height, input.width, input.channels])) as tf.Tensor
            ).dataSync() as Float32Array,
        )
        .slice(),
    dispose: async () => {
      model.dispose();
    },
  };
}

/** Predicts `count` images (`pixels` values each) `batch` at a time; the probabilities of all, in order. */
export async function predictInBatches(
  predict: Predict,
  images: Float32Array,
  count: number,
  pixels: number,
  batch: number,
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    parts.push(await predict(images.subarray(start * pixels, (start + n) * pixels), n));
  }
  const all = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** A load handler reading model.json and the weight files its manifest names from disk (plain tfjs has none). */
function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers = manifest.flatMap((group) =>
          group.paths.map((path) => {
            const bytes = readFileSync(join(dirname(modelJsonPath), path));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          }),
        );
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

function requireFile(path: string): string {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: export with \`nas export <trial> --out DIR --format both\``);
  return path;
}
