/**
 * Run under `node --trace-wasm-compilation-times`: opens a home's database as a `nas` command does
 * and queries it, then trains what the trainer's backend runs hot (a matMul and its gradient on the
 * wasm backend). What V8 traced between the lines `opening the database` and `database queried,
 * training`, and after them, tells the test which WebAssembly modules it optimized (the modules
 * traced before the first line are Node's own, the type stripper's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { selectBackend } from '../../engine/backend.ts';

const home = mkdtempSync(join(tmpdir(), 'nas-tier-up-'));
console.log('opening the database');
try {
  const dataDir = join(home, 'pglite');
  await (await openDatabase({ url: '', dataDir })).close();
  const { db, close } = await openDatabase({ url: '', dataDir, migrate: false, requireSchema: true });
  for (let i = 0; i < 20; i++) await db.execute(sql`select count(*) from searches`);
  await close();
} finally {
  rmSync(home, { recursive: true, force: true });
}

console.log('database queried, training');
await selectBackend('wasm', { log: () => {} });
const x = tf.randomNormal([64, 256], 0, 1, 'float32', 1);
const w = tf.variable(tf.randomNormal([256, 256], 0, 0.05, 'float32', 2));
const optimizer = tf.train.sgd(0.01);
for (let step = 0; step < 200; step++) {
  optimizer.minimize(() => tf.relu(tf.matMul(x, w)).mean() as tf.Scalar);
}
// Time for V8's background threads to finish the optimizations the training asked for.
await new Promise((resolve) => setTimeout(resolve, 500));
