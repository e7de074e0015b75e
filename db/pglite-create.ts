/**
 * PGlite.create with V8's WebAssembly tier-up held back for Postgres's code. V8 compiles a hot wasm
 * function again with its optimizing compiler; opening a home's database and a few queries make one
 * Postgres function hot enough, and optimizing it takes V8 about 2 CPU-seconds and 600 MB of memory
 * (measured with --trace-wasm-compilation-times), more than most `nas` commands spend in the
 * database. V8 gives a module's functions their tiering budget when it compiles the module, so
 * Postgres's functions get a budget 150 times the default, and modules compiled later (the
 * training kernels) the default: only a Postgres function that stays hot for long is optimized.
 */
import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/** `node --v8-options | grep -A1 wasm-tiering-budget` (tests/pglite-create.test.ts checks it). */
export const V8_DEFAULT_WASM_TIERING_BUDGET = 13_000_000;
const POSTGRES_WASM_TIERING_BUDGET = 150 * V8_DEFAULT_WASM_TIERING_BUDGET;

export async function createPglite(dataDir: string, options: PGliteOptions = {}): Promise<PGlite> {
  setFlagsFromString(`--wasm-tiering-budget=${POSTGRES_WASM_TIERING_BUDGET}`);
  try {
    return await PGlite.create(dataDir, options);
  } finally {
    setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_WASM_TIERING_BUDGET}`);
  }
}
