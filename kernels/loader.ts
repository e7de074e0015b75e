/**
 * Loads tfjs-backend-wasm in Node with a chosen thread count.
 *
 * The package only loads its single-threaded SIMD build in Node (its
 * multithreading check is hard-wired to false there, and its pthread workers
 * are created from blob: URLs, which Node's Worker rejects). This module
 * registers a 'wasm' backend factory that instantiates the threaded SIMD
 * build with the worker script written to a file, and falls back to the
 * single-threaded build when one thread is asked for or the threaded build
 * fails.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const distDir = path.join(packageDir, 'dist') + path.sep;
const wasmOutDir = path.join(packageDir, 'wasm-out');

export interface WasmLoadResult {
  threads: number;
  simd: boolean;
  /** Why fewer threads than requested are used, if so. */
  note?: string;
}

// Minimal view of the Emscripten module that BackendWasm expects.
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-wasm does not export these types
type EmscriptenModule = any;

function addTfjsApi(module: EmscriptenModule): EmscriptenModule {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

function workerScriptFile(): string {
  const { wasmWorkerContents } = require(path.join(wasmOutDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The package escapes newlines the same way before making its blob.
  const contents = wasmWorkerContents.replace(/\n/g, '\\n');
  const file = path.join(os.tmpdir(), `tfjs-backend-wasm-threaded-simd-${process.pid}.worker.cjs`);
  fs.writeFileSync(file, contents);
  process.once('exit', () => fs.rmSync(file, { force: true }));
  return file;
}

/**
 * The C++ side caps the pool at half the logical cores it sees (it assumes
 * hyper-threading). It reads the count through os.cpus() once while the
 * module starts, so the count is presented as twice the requested threads
 * for that moment only.
 */
async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const factory = require(path.join(wasmOutDir, 'tfjs-backend-wasm-threaded-simd.js')) as (
    config: object,
  ) => Promise<EmscriptenModule>;
  const workerFile = workerScriptFile();
  const realCpus = os.cpus;
  const one = realCpus()[0];
  os.cpus = () => Array.from({ length: threads * 2 }, () => one);
  try {
    return addTfjsApi(
      await factory({
        locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(wasmOutDir, file)),
      }),
    );
  } finally {
    os.cpus = realCpus;
  }
}

let loaded: WasmLoadResult | undefined;

async function activate(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the wasm backend (@tensorflow/tfjs-backend-wasm) failed to initialise');
  }
  await tf.ready();
}

/**
 * Registers the 'wasm' backend factory (once per process) and initialises it.
 * `threads` > 1 selects the threaded SIMD build.
 */
export async function loadWasmBackend(threads: number): Promise<WasmLoadResult> {
  if (loaded) {
    await activate();
    return loaded;
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`threads must be an integer from 1 to 8, got ${threads}`);
  }
  wasmBackend.setWasmPaths(distDir);
  const result: WasmLoadResult = { threads: 1, simd: true };
  const alreadyRunning = tf.findBackend('wasm') != null;
  if (alreadyRunning && threads > 1) {
    result.note = 'the wasm backend was initialised before selectBackend; its thread count is kept';
  }
  if (threads > 1 && !alreadyRunning) {
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      async () => {
        try {
          const module = await instantiateThreaded(threads);
          wasmBackend.setThreadsCount(threads);
          return new wasmBackend.BackendWasm(module);
        } catch (err) {
          result.note = `threaded SIMD build failed (${(err as Error).message}); using 1 thread`;
          const fallback = addTfjsApi(
            await (require(path.join(wasmOutDir, 'tfjs-backend-wasm.js')) as (c: object) => Promise<EmscriptenModule>)({
              locateFile: (file: string) =>
                path.join(wasmOutDir, file.replace('tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm')),
            }),
          );
          return new wasmBackend.BackendWasm(fallback);
        }
      },
      2,
    );
  }
  await activate();
  result.threads = wasmBackend.getThreadsCount();
  if (result.threads < threads && result.note == null) {
    result.note = `asked for ${threads} threads, XNNPACK runs ${result.threads}`;
  }
  loaded = result;
  return result;
}
