/**
 * What a scaling study's report says about its training budget: which budget trained the
 * networks, and whether the largest network of each method was still learning when it stopped
 * (its final-epoch gain: validation accuracy of the last epoch minus the one before).
 */
import type { TrainingProtocol } from '../contracts/protocol.ts';
import type { ScalingReport } from '../db/queries/scaling-report.ts';

const LINE_METHODS = ['compound', 'depth', 'width', 'resolution'] as const;

export interface LargestNetworkGain {
  method: (typeof LINE_METHODS)[number];
  phi: number;
  flops: number;
  /** Trainings with at least 2 epochs recorded. */
  trainings: number;
  /** Mean over those trainings of the final-epoch gain (a fraction); null without any. */
  meanFinalEpochGain: number | null;
  /** Mean epochs trained. */
  meanEpochs: number | null;
  /** Trainings that stopped at the epoch cap rather than on the plateau rule (plateau budget only). */
  atCap: number;
}

export interface TrainingBudget {
  kind: 'fixed' | 'plateau';
  /** The epochs of a fixed budget, the cap of a plateau budget. */
  epochs: number;
  patience: number | null;
  minDelta: number | null;
  largest: LargestNetworkGain[];
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length);

export function trainingBudget(report: ScalingReport): TrainingBudget {
  const { protocol, phiMax } = report.study.config as { protocol: TrainingProtocol; phiMax: number };
  const largest: LargestNetworkGain[] = [];
  for (const method of LINE_METHODS) {
    const points = report.points.filter((p) => p.method === method && p.phi === phiMax);
    if (points.length === 0) continue;
    const curves = points.filter((p) => p.finalEpochGain !== null && p.epochs >= 2);
    largest.push({
      method,
      phi: phiMax,
      flops: Number(points[0].flops),
      trainings: curves.length,
      meanFinalEpochGain: mean(curves.map((p) => p.finalEpochGain!)),
      meanEpochs: mean(curves.map((p) => p.epochs)),
      atCap: protocol.plateau ? curves.filter((p) => p.epochs >= protocol.epochs).length : 0,
    });
  }
  return {
    kind: protocol.plateau ? 'plateau' : 'fixed',
    epochs: protocol.epochs,
    patience: protocol.plateau?.patience ?? null,
    minDelta: protocol.plateau?.minDelta ?? null,
    largest,
  };
}

const points = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}`;

/** The budget in words, as the chart's subtitle and the report's first line say it. */
export function budgetText(protocol: TrainingProtocol): string {
  const { plateau, epochs } = protocol;
  return plateau
    ? `plateau budget: each network trains until its best validation accuracy rose by at most ${(plateau.minDelta * 100).toFixed(2)} points over ${plateau.patience} epochs, at most ${epochs} epochs`
    : `fixed budget: every network trains ${epochs} epoch${epochs === 1 ? '' : 's'}`;
}

/** The report's lines on the budget and on the largest networks' final-epoch gains. */
export function budgetLines(report: ScalingReport): string[] {
  const { protocol } = report.study.config as { protocol: TrainingProtocol };
  const budget = trainingBudget(report);
  const lines = [`Training: ${budgetText(protocol)}.`];
  const measured = budget.largest.filter((l) => l.meanFinalEpochGain !== null);
  if (measured.length === 0) return lines;
  const parts = measured.map(
    (l) =>
      `${l.method} ${points(l.meanFinalEpochGain!)} after ${l.meanEpochs!.toFixed(1)} epochs` +
      `${l.atCap > 0 ? ` (${l.atCap} of ${l.trainings} at the cap)` : ''}`,
  );
  lines.push(
    `Final-epoch gain of the largest networks (phi=${measured[0].phi}; validation accuracy, last epoch minus the one before, points, mean over repeats): ${parts.join('; ')}.`,
  );
  return lines;
}
