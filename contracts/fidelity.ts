/**
 * Training budgets of successive halving. Fidelity level k of L has the budget
 * fraction f = eta^-(L-1-k) of the full protocol; the last level IS the full
 * protocol. Compute is epochs x trainSize, so epochs are scaled first (at
 * least 1) and trainSize takes the rest of the fraction:
 * epochs_k * trainSize_k ~= f * epochs * trainSize. Lower levels skip the test
 * evaluation (testSize 0): their results only rank candidates within a rung.
 * Every level differs in trainSize, hence has its own protocol hash, so
 * results at different budgets are never ranked together.
 */
import type { TrainingProtocol } from './protocol.ts';

export interface HalvingConfig {
  /** Reduction factor: a rung promotes its top 1/eta. Default 3. */
  eta?: number;
  /** Number of fidelity levels; level levels-1 is the full protocol. */
  levels: number;
}

export const DEFAULT_ETA = 3;

export function validateHalving(halving: HalvingConfig, field = 'halving'): Required<HalvingConfig> {
  const eta = halving.eta ?? DEFAULT_ETA;
  if (!(Number.isFinite(eta) && eta > 1))
    throw new RangeError(`${field}.eta: must be a number > 1, got ${halving.eta}`);
  if (!(Number.isInteger(halving.levels) && halving.levels >= 1)) {
    throw new RangeError(`${field}.levels: must be an integer >= 1, got ${halving.levels}`);
  }
  return { eta, levels: halving.levels };
}

/** Budget fraction of fidelity level `level`; 1 without halving. */
export function budgetFraction(level: number, halving: HalvingConfig | null | undefined): number {
  const levels = halving ? validateHalving(halving).levels : 1;
  if (!(Number.isInteger(level) && level >= 0 && level < levels)) {
    throw new RangeError(`fidelity: level must be an integer in [0, ${levels - 1}], got ${level}`);
  }
  if (!halving) return 1;
  const { eta } = validateHalving(halving);
  return eta ** -(levels - 1 - level);
}

export function protocolForFidelity(
  protocol: TrainingProtocol,
  level: number,
  halving: HalvingConfig | null | undefined,
): TrainingProtocol {
  budgetFraction(level, halving);
  return fidelityLadder(protocol, halving)[level];
}

/** The protocol of every fidelity level, lowest first; throws when two levels would coincide. */
export function fidelityLadder(
  protocol: TrainingProtocol,
  halving: HalvingConfig | null | undefined,
): TrainingProtocol[] {
  const levels = halving ? validateHalving(halving).levels : 1;
  const ladder = Array.from({ length: levels }, (_, k) => scaled(protocol, budgetFraction(k, halving)));
  for (let k = 1; k < levels; k++) {
    const [low, high] = [ladder[k - 1], ladder[k]];
    if (low.epochs === high.epochs && low.trainSize === high.trainSize) {
      throw new RangeError(
        `halving: fidelity levels ${k - 1} and ${k} would train identically (epochs ${low.epochs}, trainSize ${low.trainSize}); ` +
          'use fewer levels, a smaller eta, or a larger protocol trainSize/epochs',
      );
    }
  }
  return ladder;
}

function scaled(protocol: TrainingProtocol, fraction: number): TrainingProtocol {
  if (fraction === 1) return protocol;
  const epochs = Math.max(1, Math.round(protocol.epochs * fraction));
  const trainSize = Math.max(
    1,
    Math.min(protocol.trainSize, Math.round((protocol.trainSize * protocol.epochs * fraction) / epochs)),
  );
  return { ...protocol, epochs, trainSize, testSize: 0 };
}
