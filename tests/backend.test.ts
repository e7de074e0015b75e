import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { selectBackend, type BackendPreference } from '../engine/backend.ts';

const require = createRequire(import.meta.url);
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const tensorflowInstalled = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');

describe('selectBackend', () => {
  it('rejects an unknown preference, naming the allowed values', async () => {
    await expect(selectBackend('gpu' as BackendPreference)).rejects.toThrow(
      /backend must be one of auto, tensorflow, wasm, cpu; got "gpu"/,
    );
  });

  it('rejects a bad thread count', async () => {
    await expect(selectBackend('wasm', { threads: 0 })).rejects.toThrow(/threads must be an integer from 1 to 8/);
  });

  it.skipIf(tensorflowInstalled)('explains which packages an unavailable tensorflow backend needs', async () => {
    const err = await selectBackend('tensorflow', { log: () => {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/@tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  });

  it('auto picks tensorflow when installed, else wasm with the requested threads, and logs the choice', async () => {
    const lines: string[] = [];
    const chosen = await selectBackend('auto', { threads: 2, log: (l) => lines.push(l) });
    expect(tf.getBackend()).toBe(chosen.backend);
    if (tensorflowInstalled) {
      expect(chosen.backend).toBe('tensorflow');
    } else {
      expect(chosen.backend).toBe('wasm');
      expect(chosen.device).toBe('cpu (wasm simd, 2 threads)');
      expect(lines.some((l) => l.includes('@tensorflow/tfjs-node-gpu unavailable'))).toBe(true);
    }
    expect(lines.at(-1)).toBe(`backend: ${chosen.backend} on ${chosen.device} (auto)`);
    const product = tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).dataSync());
    expect(Array.from(product)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('switches to cpu and back, keeping the wasm backend usable', async () => {
    expect(await selectBackend('cpu', { log: () => {} })).toEqual({ backend: 'cpu', device: 'cpu (pure JS)' });
    expect(tf.getBackend()).toBe('cpu');
    const again = await selectBackend('wasm', { log: () => {} });
    expect(again.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
