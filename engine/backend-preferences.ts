/** The tfjs backends a trainer may ask for, without loading tfjs (the CLI checks its flags with these). */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Threads one training may compute on: each holds a replica of the model and a wasm heap of its own. */
export const MAX_TRAINING_THREADS = 16;
