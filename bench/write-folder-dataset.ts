/**
 * Writes a generated folder dataset (DIR/<class>/<n>.png) for trying `--dataset folder:DIR`
 * without data of one's own. Each image is a square of random size and place over noise; its class
 * is the square's hue (classes evenly around the colour wheel), drawn with a jitter wider than the
 * gap between classes, so neighbouring classes overlap: a short training learns it, but not to 100%
 * (tests/support/datasets.ts's fixed-place squares are learnt perfectly in one epoch).
 *
 *   node bench/write-folder-dataset.ts <dir> [--classes 5] [--per-class 200] [--size 32] [--hue-jitter 0.6] [--seed shapes]
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import sharp from 'sharp';

/** size x size x 3 bytes of one image of `label`; `hueJitter` is in units of the gap between class hues. */
function hueSquareImage(
  label: number,
  classes: number,
  size: number,
  hueJitter: number,
  rng: () => number,
): Uint8Array {
  const pixels = new Uint8Array(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng() * 110);
  const hue = (label + (2 * rng() - 1) * hueJitter) / classes;
  const [r, g, b] = hsvToRgb(hue, 0.5 + 0.5 * rng(), 0.6 + 0.4 * rng());
  const side = Math.floor(size / 4 + rng() * (size / 4));
  const top = Math.floor(rng() * (size - side + 1));
  const left = Math.floor(rng() * (size - side + 1));
  for (let y = top; y < top + side; y++) {
    for (let x = left; x < left + side; x++) pixels.set([r, g, b], (y * size + x) * 3);
  }
  return pixels;
}

/** Hue in turns (any real), saturation and value in [0, 1]; bytes. */
function hsvToRgb(hue: number, saturation: number, value: number): [number, number, number] {
  const channel = (n: number) => {
    const k = (n + (((hue % 1) + 1) % 1) * 6) % 6;
    return Math.round(255 * value * (1 - saturation * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [channel(5), channel(3), channel(1)];
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    classes: { type: 'string' },
    'per-class': { type: 'string' },
    size: { type: 'string' },
    'hue-jitter': { type: 'string' },
    seed: { type: 'string' },
  },
});
if (positionals.length !== 1)
  throw new Error(
    'usage: node bench/write-folder-dataset.ts <dir> [--classes 5] [--per-class 200] [--size 32] [--hue-jitter 0.6] [--seed shapes]',
  );
const dir = resolve(positionals[0]);
if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
const classes = Number(values.classes ?? 5);
const perClass = Number(values['per-class'] ?? 200);
const size = Number(values.size ?? 32);
const hueJitter = Number(values['hue-jitter'] ?? 0.6);
const rng = seedrandom(values.seed ?? 'shapes');
const names = Array.from({ length: classes }, (_, i) => `hue-${i}`);
for (const [label, name] of names.entries()) {
  mkdirSync(join(dir, name), { recursive: true });
  for (let n = 0; n < perClass; n++) {
    const rgb = hueSquareImage(label, classes, size, hueJitter, rng);
    await sharp(Buffer.from(rgb), { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(join(dir, name, `${n}.png`));
  }
}
console.log(
  `${dir}: ${classes} classes (${names.join(', ')}) x ${perClass} PNG images of ${size}x${size} RGB, hue jitter ${hueJitter} of the gap between classes`,
);
