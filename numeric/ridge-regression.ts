/**
 * Ridge regression on standardized features: each feature centred and scaled by its mean and
 * sample standard deviation over the training rows, the target centred, the weights solving
 * (ZᵀZ + λI) w = Zᵀ(y − ȳ) (ml-matrix). A feature constant over the training rows gets weight 0.
 * Pure.
 */
import { Matrix, solve } from 'ml-matrix';
import { mean, sampleStd } from './statistics.ts';

export interface RidgeModel {
  /** Weights of the standardized features, in the order given. */
  weights: number[];
  predict(features: readonly number[]): number;
}

export function fitRidge(rows: readonly (readonly number[])[], targets: readonly number[], lambda: number): RidgeModel {
  if (rows.length !== targets.length || rows.length < 2)
    throw new RangeError(`ridge: need at least 2 rows with one target each, got ${rows.length} and ${targets.length}`);
  if (!(lambda > 0)) throw new RangeError(`ridge: lambda must be positive, got ${lambda}`);
  const width = rows[0].length;
  const columns = Array.from({ length: width }, (_, j) => rows.map((row) => row[j]));
  const centres = columns.map((column) => mean(column));
  const scales = columns.map((column) => sampleStd(column));
  const standardize = (row: readonly number[]) => row.map((x, j) => (scales[j] > 0 ? (x - centres[j]) / scales[j] : 0));
  const z = new Matrix(rows.map(standardize));
  const offset = mean(targets);
  const y = Matrix.columnVector(targets.map((t) => t - offset));
  const zt = z.transpose();
  const weights = solve(zt.mmul(z).add(Matrix.eye(width).mul(lambda)), zt.mmul(y)).getColumn(0);
  return {
    weights,
    predict: (features) => offset + standardize(features).reduce((sum, x, j) => sum + weights[j] * x, 0),
  };
}
