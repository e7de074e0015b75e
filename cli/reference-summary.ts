/** The table `nas reference build --wait` and `nas reference status` print: per kind of training, what is measured. */
import { REFERENCE_TRAININGS, trainingSetup, type ReferenceTraining } from '../search/reference.ts';
import type { ReferenceFile } from '../search/reference-file.ts';
import { renderRows, type Format } from './format.ts';

export interface ReferenceSummaryRow {
  training: ReferenceTraining;
  protocolHash: string;
  steps: number;
  seed: number;
  measured: number;
  planned: number;
  diverged: number;
  cpuSeconds: number;
  meanTestAccuracy: number | null;
}

export function referenceSummaryRows(file: ReferenceFile): ReferenceSummaryRow[] {
  const request = { reference: file.protocols.reference.protocol, cheap: file.protocols.cheap.protocol };
  return REFERENCE_TRAININGS.map((training) => {
    const protocol = training === 'cheap' ? file.protocols.cheap : file.protocols.reference;
    const done = file.architectures.flatMap((a) => a.trainings.filter((t) => t.training === training));
    const tested = done.flatMap((t) => (t.testAccuracy === null ? [] : [t.testAccuracy]));
    return {
      training,
      protocolHash: protocol.hash,
      steps: protocol.steps,
      seed: trainingSetup(request, training).seed,
      measured: done.length,
      planned: training === 'reference-seed2' ? file.planned.secondSeed : file.planned.architectures,
      diverged: done.filter((t) => t.status === 'diverged').length,
      cpuSeconds: done.reduce((sum, t) => sum + (t.cpuSeconds ?? 0), 0),
      meanTestAccuracy: tested.length === 0 ? null : tested.reduce((s, a) => s + a, 0) / tested.length,
    };
  });
}

export function renderReferenceSummary(file: ReferenceFile, format: Format): string {
  return renderRows(
    referenceSummaryRows(file),
    [
      { header: 'training', value: (r) => r.training },
      { header: 'protocol', value: (r) => r.protocolHash },
      { header: 'steps', value: (r) => r.steps, align: 'right' },
      { header: 'seed', value: (r) => r.seed, align: 'right' },
      { header: 'measured', value: (r) => `${r.measured}/${r.planned}`, align: 'right' },
      { header: 'diverged', value: (r) => r.diverged, align: 'right' },
      { header: 'CPU h', value: (r) => (r.cpuSeconds / 3600).toFixed(2), align: 'right' },
      {
        header: 'mean test',
        value: (r) => (r.meanTestAccuracy === null ? null : `${(r.meanTestAccuracy * 100).toFixed(2)}%`),
        align: 'right',
      },
    ],
    format,
  );
}
