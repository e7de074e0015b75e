/**
 * Chooses and initialises the tfjs backend a trainer runs on.
 *
 * 'auto' tries, in order: @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node
 * (both optional dependencies, loaded at run time), the wasm backend (XNNPACK,
 * with the composed gradient kernels of ./wasm) and the pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadWasmBackend } from '../kernels/loader.ts';
import { compileSimdKernels } from '../kernels/simd-kernels.ts';
import { registerWasmGradientKernels } from '../kernels/register.ts';
import { registerSimdOnlyKernels } from '../kernels/simd-only-kernels.ts';
import { RequestError } from '../contracts/request-error.ts';
import { BACKEND_PREFERENCES, type BackendPreference } from './backend-preferences.ts';

export { registerWasmGradientKernels } from '../kernels/register.ts';

export { BACKEND_PREFERENCES, type BackendPreference } from './backend-preferences.ts';

export interface SelectBackendOptions {
  /**
   * XNNPACK threads for the wasm backend (1-8; > 1 loads the threaded SIMD
   * build). Default 1: trainers usually run one per core, and on a shared
   * 2-core machine 2 threads made LeNet-5 training slower (1,821 vs 3,013
   * samples/s) while a 512x512 matmul gained (20.9 vs 14.9 GMAC/s).
   */
  threads?: number;
  log?: (line: string) => void;
}

export interface SelectedBackend {
  /** tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** Human-readable device, e.g. 'gpu:0 (tfjs-node-gpu)' or 'cpu (wasm simd, 2 threads)'. */
  device: string;
}

const TENSORFLOW_PACKAGES = [
  { name: '@tensorflow/tfjs-node-gpu', device: 'gpu:0 (tfjs-node-gpu)' },
  { name: '@tensorflow/tfjs-node', device: 'cpu (tfjs-node, libtensorflow)' },
] as const;

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

async function tryTensorflow(log: (line: string) => void): Promise<SelectedBackend | string[]> {
  const failures: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      const specifier: string = pkg.name;
      await import(specifier);
      if (!(await tf.setBackend('tensorflow'))) throw new Error("backend 'tensorflow' did not initialise");
      await tf.ready();
      return { backend: 'tensorflow', device: pkg.device };
    } catch (err) {
      failures.push(`${pkg.name}: ${firstLine(err)}`);
      log(`backend: ${pkg.name} unavailable (${firstLine(err)})`);
    }
  }
  return failures;
}

async function useWasm(threads: number, log: (line: string) => void): Promise<SelectedBackend> {
  registerWasmGradientKernels();
  const loaded = await loadWasmBackend(threads);
  await compileSimdKernels(tf.backend() as BackendWasm);
  registerSimdOnlyKernels();
  if (loaded.note) log(`backend: wasm: ${loaded.note}`);
  const plural = loaded.threads === 1 ? 'thread' : 'threads';
  return { backend: 'wasm', device: `cpu (wasm simd, ${loaded.threads} ${plural})` };
}

async function useCpu(): Promise<SelectedBackend> {
  if (!(await tf.setBackend('cpu'))) throw new Error("the tfjs 'cpu' backend failed to initialise");
  await tf.ready();
  return { backend: 'cpu', device: 'cpu (pure JS)' };
}

const DEFAULT_THREADS = 1;

/**
 * Sets the tfjs backend (tf.setBackend + tf.ready) and returns its name and
 * device. Safe to call more than once; the wasm thread count is fixed by the
 * first call that initialises the wasm backend.
 */
export async function selectBackend(
  preference: BackendPreference,
  options: SelectBackendOptions = {},
): Promise<SelectedBackend> {
  if (!BACKEND_PREFERENCES.includes(preference)) {
    throw new Error(`backend must be one of ${BACKEND_PREFERENCES.join(', ')}; got ${JSON.stringify(preference)}`);
  }
  const threads = options.threads ?? DEFAULT_THREADS;
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`threads must be an integer from 1 to 8, got ${threads}`);
  }
  const log = options.log ?? ((line: string) => console.log(line));
  const chosen = await choose(preference, threads, log);
  log(`backend: ${chosen.backend} on ${chosen.device}${preference === 'auto' ? ' (auto)' : ''}`);
  return chosen;
}

async function choose(
  preference: BackendPreference,
  threads: number,
  log: (line: string) => void,
): Promise<SelectedBackend> {
  switch (preference) {
    case 'cpu':
      return useCpu();
    case 'wasm':
      try {
        return await useWasm(threads, log);
      } catch (err) {
        throw new Error(`backend 'wasm' (package @tensorflow/tfjs-backend-wasm) could not load: ${firstLine(err)}`);
      }
    case 'tensorflow': {
      const result = await tryTensorflow(log);
      if (!Array.isArray(result)) return result;
      throw new RequestError(
        '--backend',
        'tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node and neither loads here (the lines above say why): ' +
          'install one (`npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0`) or give --backend wasm',
      );
    }
    case 'auto': {
      const result = await tryTensorflow(log);
      if (!Array.isArray(result)) return result;
      try {
        return await useWasm(threads, log);
      } catch (err) {
        log(`backend: @tensorflow/tfjs-backend-wasm unavailable (${firstLine(err)})`);
        return useCpu();
      }
    }
  }
}
