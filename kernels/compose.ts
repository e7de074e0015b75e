/**
 * Building blocks for wasm kernels composed from other wasm kernels.
 *
 * A kernel function receives TensorInfos and must return a TensorInfo that the
 * engine takes ownership of; everything made in between has to be released
 * with `backend.disposeData`. `Composer` records every intermediate and frees
 * them all except the returned result.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;

export class Composer {
  private readonly temps: Info[] = [];

  readonly backend: BackendWasm;
  constructor(backend: BackendWasm) {
    this.backend = backend;
  }

  /** Runs a registered wasm kernel; its output is freed by `finish` unless returned. */
  run(kernelName: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
    const config = tf.getKernel(kernelName, 'wasm');
    if (config == null) throw new Error(`wasm kernel '${kernelName}' is not registered`);
    const out = config.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as Info;
    this.temps.push(out);
    return out;
  }

  /** A fresh tensor for the caller to fill through the heap (freed by `finish` unless returned). */
  allocate(shape: number[], dtype: tf.DataType = 'float32'): Info {
    const out = this.backend.makeOutput(shape, dtype);
    this.temps.push(out);
    return out;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero padding, `paddings[i] = [before, after]` for every axis. */
  pad(x: Info, paddings: Array<[number, number]>): Info {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** Keeps `size[i]` elements from index 0 of each axis; no copy when nothing is cut. */
  cropEnd(x: Info, size: number[]): Info {
    if (size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin: size.map(() => 0), size });
  }

  /**
   * Inserts `s - 1` zeros after every element along the spatial axes of an
   * NHWC tensor (the transpose of a strided sampling), giving
   * [N, H*sH, W*sW, C]: the trailing zeros are left for the caller to use as
   * padding or crop.
   */
  zeroInsert(x: Info, [sH, sW]: [number, number]): Info {
    if (sH === 1 && sW === 1) return x;
    const [n, h, w, c] = x.shape;
    const spread = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.pad(spread, [
      [0, 0],
      [0, 0],
      [0, sH - 1],
      [0, 0],
      [0, sW - 1],
      [0, 0],
    ]);
    return this.reshape(padded, [n, h * sH, w * sW, c]);
  }

  /** Frees every intermediate except `result` and returns it. */
  finish(result: Info): Info {
    if (!this.temps.includes(result)) {
      throw new Error('composed wasm kernel must return a tensor it computed, not an input');
    }
    for (const t of this.temps) {
      if (t !== result) this.backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
    return result;
  }

  /** Frees every intermediate (use in a `finally` after an error). */
  abandon(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a Composer, freeing intermediates on success and on error. */
export function compose(backend: BackendWasm, body: (c: Composer) => Info): Info {
  const c = new Composer(backend);
  try {
    return c.finish(body(c));
  } catch (err) {
    c.abandon();
    throw err;
  }
}
