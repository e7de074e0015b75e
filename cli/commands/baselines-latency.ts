/**
 * `nas baselines latency`: each baseline's inference latency on this machine's tfjs backend, as a
 * trainer measures a candidate's before training (engine/latency.ts): warm-up passes, then the
 * median of timed `predict` calls at batch 1 and at the batch size given.
 */
import { architectureCost } from '../../cells/index.ts';
import { BASELINES, baselineByName } from '../../cells/baselines/index.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { DEFAULT_PROTOCOL } from '../../contracts/protocol.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requirePositiveInteger } from '../../contracts/field-checks.ts';
import { stringFlag } from '../args.ts';
import { requireTfjsBackendFlag } from '../backend-flag.ts';
import { compact, latencyText } from '../../numeric/number-text.ts';
import { formatOf, renderRows, type Column } from '../format.ts';
import { classesFlagValue, inputShapeFlag, inputText } from '../input-shape.ts';
import type { CommandInput } from '../invocation.ts';
import { printData, printNote } from '../output.ts';

export interface BaselineLatencyRow {
  name: string;
  input: string;
  params: number;
  flops: number;
  /** Median ms of one forward pass of one image. */
  latencyMs: number;
  batchSize: number;
  /** Median ms of one forward pass of batchSize images. */
  batchLatencyMs: number;
  runs: number;
  backend: string;
  device: string;
}

const COLUMNS: Column<BaselineLatencyRow>[] = [
  { header: 'baseline', value: (r) => r.name },
  { header: 'input', value: (r) => r.input, align: 'right' },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'ms @1', value: (r) => latencyText(r.latencyMs), align: 'right' },
  { header: 'batch', value: (r) => r.batchSize, align: 'right' },
  { header: 'ms @batch', value: (r) => latencyText(r.batchLatencyMs), align: 'right' },
  { header: 'ms/image @batch', value: (r) => latencyText(r.batchLatencyMs / r.batchSize), align: 'right' },
  { header: 'runs', value: (r) => r.runs, align: 'right' },
];

export async function baselinesLatency({ flags, args: names }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const entries = (names.length > 0 ? names : BASELINES.map((b) => b.name)).map((name) => {
    try {
      return baselineByName(name);
    } catch (err) {
      throw new RequestError('<name>', (err as Error).message);
    }
  });
  const preference = requireTfjsBackendFlag(flags);
  const batchSize = requirePositiveInteger(
    '--batch-size',
    stringFlag(flags, 'batch-size') ?? DEFAULT_PROTOCOL.batchSize,
  );
  const dataset = datasetShape(DEFAULT_PROTOCOL);
  const input = inputShapeFlag(flags) ?? dataset.input;
  const classes = classesFlagValue(flags) ?? dataset.classes;

  const [{ selectBackend }, { measureLatency, latencyDevice }, { architectureGraph }, { buildModel }] =
    await Promise.all([
      import('../../engine/backend.ts'),
      import('../../engine/latency.ts'),
      import('../../cells/architecture.ts'),
      import('../../cells/builders/tfjs.ts'),
    ]);
  const { backend, device } = await selectBackend(preference, { log: printNote });
  const rows: BaselineLatencyRow[] = [];
  for (const entry of entries) {
    const model = buildModel(architectureGraph(entry.architecture, input, classes));
    try {
      const figures = measureLatency(model, batchSize);
      const cost = architectureCost(entry.architecture, input, classes);
      rows.push({
        name: entry.name,
        input: inputText(input),
        params: cost.params,
        flops: cost.flops,
        latencyMs: figures.batch1Ms,
        batchSize,
        batchLatencyMs: figures.batchMs,
        runs: figures.runs,
        backend,
        device: latencyDevice(device),
      });
      printNote(`${entry.name}: ${latencyText(figures.batch1Ms)} ms at batch 1`);
    } finally {
      model.dispose();
    }
  }
  printData(renderRows(rows, COLUMNS, format));
  printNote(`median of timed forward passes after 3 warm-up passes, on ${backend}: ${latencyDevice(device)}`);
  return 0;
}
