/** The GenotypeError `fn` throws (the test fails if it throws nothing or something else). */
import { expect } from 'vitest';
import { GenotypeError } from '../../contracts/genotypes.ts';

export function genotypeError(fn: () => unknown): GenotypeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GenotypeError);
    return error as GenotypeError;
  }
  throw new Error('expected a GenotypeError');
}
