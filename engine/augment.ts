/**
 * Seeded image augmentation on NHWC float arrays: 'flip-shift' mirrors each
 * image horizontally with probability 1/2 and shifts it by up to 2 pixels in
 * each direction, filling with zeros.
 */
export const MAX_SHIFT = 2;

/** Writes the (possibly augmented) image `source` into `target` (both h*w*c). */
export function augmentImage(
  source: Float32Array,
  target: Float32Array,
  [height, width, channels]: readonly [number, number, number],
  rng: () => number,
): void {
  const flip = rng() < 0.5;
  const dy = Math.floor(rng() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
  const dx = Math.floor(rng() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
  target.fill(0);
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x++) {
      const shifted = x - dx;
      if (shifted < 0 || shifted >= width) continue;
      const sx = flip ? width - 1 - shifted : shifted;
      const from = (sy * width + sx) * channels;
      const to = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) target[to + c] = source[from + c];
    }
  }
}
