/**
 * How two runs of one exported network are compared (tests/export-models.test.ts,
 * bench/export-check.ts): the largest absolute difference of their class probabilities, and the
 * accuracy of a probability matrix against labels. Plain arrays, no tfjs.
 */

/** max |a[i] - b[i]|; throws when the arrays differ in length. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDifference: ${a.length} values against ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The fraction of rows (of `classes` probabilities each, row-major) whose most probable class is the label; ties go to the lower class. */
export function accuracyOf(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `accuracyOf: ${probabilities.length} probabilities for ${labels.length} labels of ${classes} classes`,
    );
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = i * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[row + c] > probabilities[row + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return labels.length === 0 ? 0 : correct / labels.length;
}
