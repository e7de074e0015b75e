import { isWorkflowAlreadyStarted } from '../../stack/temporal/client-errors.ts';
import { PUBLISHED_NETWORKS, type PublishedNetwork } from '../../cells/index.ts';
import { BASELINES, baselineByName, type BaselineEntry } from '../../cells/baselines/index.ts';
import type { InputShape } from '../../contracts/genotypes.ts';
import { classesFlagValue, inputShapeFlag, inputText } from '../input-shape.ts';
import { costAt } from './cells.ts';
import { baselineResults, type BaselineResult } from '../../db/queries/baselines.ts';
import { protocolHash } from '../../contracts/protocol.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { requirePositiveInteger } from '../../contracts/field-checks.ts';
import type { BaselinesRequest } from '../../search/request.ts';
import { datasetShape } from '../../contracts/datasets.ts';
import { validateBaselinesRequest } from '../../search/validate-request.ts';
import { DEFAULT_TRAINER_TASK_QUEUE } from '../../workers/task-queues.ts';
import { baselinesWorkflow } from '../../workflows/baselines.ts';
import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import type { TrialOutcome } from '../../contracts/activities.ts';
import { printData, printNote } from '../output.ts';
import { requireBackendFlag } from '../backend-flag.ts';
import { validateAsFlags } from '../request-fields.ts';
import { compact, percent } from '../../numeric/number-text.ts';
import { formatOf, renderRows, type Column } from '../format.ts';
import { protocolFromFlags } from '../search-request.ts';
import { openStack } from '../../stack/embedded.ts';
import { openStackToStart, WORKFLOW_TASK_TIMEOUT } from '../stack-to-start.ts';
import { unlessStackFails } from '../unless-stack-fails.ts';

interface BaselineRow {
  name: string;
  family: string;
  input: string;
  classes: number;
  params: number;
  flops: number;
  result: BaselineResult | undefined;
  description: string;
}

const COLUMNS: Column<BaselineRow>[] = [
  { header: 'baseline', value: (r) => r.name },
  { header: 'family', value: (r) => r.family },
  { header: 'input', value: (r) => r.input, align: 'right' },
  { header: 'classes', value: (r) => r.classes, align: 'right' },
  { header: 'params', value: (r) => r.params, align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'val acc', value: (r) => percent(r.result?.valAccuracy ?? null), align: 'right' },
  { header: 'test acc', value: (r) => percent(r.result?.testAccuracy ?? null), align: 'right' },
  {
    header: 'train s',
    value: (r) => (r.result?.trainSeconds == null ? null : r.result.trainSeconds.toFixed(0)),
    align: 'right',
  },
  { header: 'description', value: (r) => r.description },
];

/** Params and FLOPs from the cost model; accuracies of baselines trained under the given protocol. */
const OUTCOME_COLUMNS: Column<TrialOutcome & { name: string }>[] = [
  { header: 'baseline', value: (r) => r.name },
  { header: 'status', value: (r) => r.status },
  { header: 'val acc', value: (r) => percent(r.valAccuracy), align: 'right' },
  { header: 'test acc', value: (r) => percent(r.testAccuracy), align: 'right' },
  { header: 'error', value: (r) => r.error },
];

/**
 * The baselines (at the dataset's input unless --input/--classes) with their accuracies under the
 * protocol, then the published networks (at their published input unless --input/--classes).
 */
export async function listBaselines({ flags }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const flagInput = inputShapeFlag(flags);
  const flagClasses = classesFlagValue(flags);
  const protocol = protocolFromFlags(flags);
  const dataset = datasetShape(protocol);
  const stack = await openStack({ own: false });
  let results = new Map<string, BaselineResult>();
  try {
    results = await baselineResults((await stack.database()).db, protocolHash(protocol));
  } catch (err) {
    printNote(`(no trained results shown: ${(err as Error).message})`);
  } finally {
    await stack.close();
  }
  const row = (
    b: BaselineEntry | PublishedNetwork,
    own: { input: InputShape; classes: number },
    result?: BaselineResult,
  ): BaselineRow => {
    const input = flagInput ?? own.input;
    const classes = flagClasses ?? own.classes;
    return {
      name: b.name,
      family: b.architecture.family,
      input: inputText(input),
      classes,
      ...costAt(b.architecture, b.name, input, classes),
      result,
      description: b.description,
    };
  };
  const rows: BaselineRow[] = [
    ...BASELINES.map((b) => row(b, dataset, results.get(b.name))),
    ...PUBLISHED_NETWORKS.map((n) => row(n, n)),
  ];
  printData(renderRows(rows, COLUMNS, format));
  return 0;
}

export async function trainBaselines({ flags, args: positionals }: CommandInput): Promise<number> {
  if (!flags.all && positionals.length === 0) {
    throw new RequestError(
      '<name>',
      `name one or more baselines or pass --all; known: ${BASELINES.map((b) => b.name).join(', ')}`,
    );
  }
  requireBackendFlag(flags);
  const names = flags.all ? BASELINES.map((b) => b.name) : positionals;
  const entries = names.map((name) => {
    try {
      baselineByName(name);
    } catch (err) {
      throw new RequestError('<name>', (err as Error).message);
    }
    const index = BASELINES.findIndex((b) => b.name === name);
    return { index, name, architecture: BASELINES[index].architecture };
  });
  const protocol = protocolFromFlags(flags, { checkData: true });
  const { input, classes } = datasetShape(protocol);
  const request: BaselinesRequest = {
    searchId: `baselines-${protocolHash(protocol)}`,
    entries,
    protocol,
    parallel: requirePositiveInteger('--parallel', stringFlag(flags, 'parallel') ?? 1),
    budget: {},
    input: { ...input },
    classes,
    trainerTaskQueue: stringFlag(flags, 'task-queue') ?? DEFAULT_TRAINER_TASK_QUEUE,
  };
  validateAsFlags(() => validateBaselinesRequest(request));
  const format = formatOf(flags);
  const wait = flags.wait === true;
  const { stack, trainerTaskQueue } = await openStackToStart(flags, 'train', { parallel: request.parallel });
  try {
    request.trainerTaskQueue = trainerTaskQueue;
    const client = await stack.client();
    // One workflow per protocol at a time: Temporal refuses a second start while one runs.
    const handle = await client.workflow
      .start(baselinesWorkflow, {
        taskQueue: stack.taskQueues.orchestrator,
        workflowId: request.searchId,
        args: [request],
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      })
      .catch((err: unknown) => {
        if (isWorkflowAlreadyStarted(err)) {
          throw new RequestError(
            'nas baselines train',
            `baselines under this protocol are already training (${request.searchId}); wait for it to finish`,
          );
        }
        throw err;
      });
    printNote(`training ${names.length} baseline(s) as ${request.searchId}`);
    if (!wait) return 0;
    const outcomes = await unlessStackFails(
      stack,
      handle.result(),
      `baselines ${request.searchId}`,
      'the same nas baselines train ... --wait',
    );
    printData(
      renderRows(
        outcomes.map((outcome, i) => ({ name: names[i], ...outcome })),
        OUTCOME_COLUMNS,
        format,
      ),
    );
    // The run finished: failed or diverged trainings are results in that table. Cancelled ones mean it was stopped.
    return outcomes.some((o) => o.status === 'cancelled') ? 1 : 0;
  } finally {
    await stack.close();
  }
}
