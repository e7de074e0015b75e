/**
 * log |det A| of a square matrix by LU decomposition with partial pivoting, in float64 (numpy's
 * slogdet without the sign). -Infinity when A is singular: a pivot at or below n·ε·max|A|,
 * where rounding, not the matrix, decides whether it is zero. Pure.
 */
export function logAbsDeterminant(matrix: readonly (readonly number[])[]): number {
  const n = matrix.length;
  if (matrix.some((row) => row.length !== n))
    throw new RangeError(`log determinant: the matrix must be square, got ${n} rows of other lengths`);
  const a = matrix.map((row) => [...row]);
  const largest = Math.max(0, ...a.flat().map(Math.abs));
  const singular = n * Number.EPSILON * largest;
  let logAbs = 0;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
    if (Math.abs(a[pivot][col]) <= singular) return -Infinity;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    logAbs += Math.log(Math.abs(a[col][col]));
    for (let row = col + 1; row < n; row++) {
      const factor = a[row][col] / a[col][col];
      if (factor === 0) continue;
      for (let k = col; k < n; k++) a[row][k] -= factor * a[col][k];
    }
  }
  return logAbs;
}
