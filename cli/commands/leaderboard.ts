import type { Database } from '../../db/client.ts';
import { LEADERBOARD_SORTS, PARETO_COSTS, leaderboard, type LeaderboardRow } from '../../db/queries/leaderboard.ts';
import { requireNonNegativeInteger, requireOneOf, requirePositiveInteger } from '../../contracts/field-checks.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { stringFlag } from '../args.ts';
import type { CommandInput } from '../invocation.ts';
import { compact, latencyText, percentInterval } from '../../numeric/number-text.ts';
import { formatOf, renderRows, type Column, type Format } from '../format.ts';
import { printData } from '../output.ts';
import { openStack } from '../../stack/embedded.ts';
import { finalLeaderboard } from '../../db/queries/final-leaderboard.ts';
import { renderFinalLeaderboard } from '../final-report.ts';
import type { Format as OutputFormat } from '../format.ts';

/** `nas leaderboard --search <id> --final`: the latest final evaluation of the search (or `--final-id`). */
async function finalLeaderboardCommand(
  searchId: string,
  finalId: string | undefined,
  format: OutputFormat,
): Promise<number> {
  const stack = await openStack({ own: false });
  try {
    const board = await finalLeaderboard((await stack.database()).db, searchId, finalId);
    if (!board) {
      throw new RequestError(
        '--final',
        `search ${searchId} has no final evaluation${finalId ? ` ${finalId}` : ''}: \`nas search finalize ${searchId} --wait\` runs one`,
      );
    }
    printData(
      board.rows.length === 0 && format === 'table'
        ? `final evaluation ${board.finalId}: no finished trainings yet`
        : renderFinalLeaderboard(board, format),
    );
    return 0;
  } finally {
    await stack.close();
  }
}

const COLUMNS: Column<LeaderboardRow>[] = [
  { header: 'rank', value: (r) => r.rank, align: 'right' },
  { header: 'kind', value: (r) => r.kind },
  {
    header: 'val acc',
    value: (r) => percentInterval(r.valAccuracy, r.valAccuracyLow, r.valAccuracyHigh),
    align: 'right',
  },
  {
    header: 'test acc',
    value: (r) => percentInterval(r.testAccuracy, r.testAccuracyLow, r.testAccuracyHigh),
    align: 'right',
  },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'train s', value: (r) => (r.trainSeconds === null ? null : r.trainSeconds.toFixed(0)), align: 'right' },
  { header: 'trial', value: (r) => r.trialId },
  { header: 'architecture', value: (r) => r.name },
];

const REWARD_COLUMN: Column<LeaderboardRow> = {
  header: 'reward',
  value: (r) => (r.reward == null ? null : r.reward.toFixed(4)),
  align: 'right',
};
/** Median batch-1 inference latency on the trainer. */
const LATENCY_COLUMN: Column<LeaderboardRow> = {
  header: 'latency ms',
  value: (r) => (r.latencyMs === undefined ? null : latencyText(r.latencyMs)),
  align: 'right',
};

/** A screening search's estimator score of each trained architecture, and its rank among the proposals scored. */
function screenColumns(estimator: string): Column<LeaderboardRow>[] {
  return [
    {
      header: `${estimator} (screen)`,
      value: (r) => (r.screenScore == null ? null : r.screenScore.toPrecision(4)),
      align: 'right',
    },
    { header: 'screen rank', value: (r) => r.screenRank ?? null, align: 'right' },
  ];
}

export interface LeaderboardView {
  searchId: string;
  top?: number;
  /** Default: by reward when the search's objective is mnas, else by validation accuracy. */
  sort?: (typeof LEADERBOARD_SORTS)[number];
  /** Fidelity level of a successive-halving search; default the final one. */
  fidelity?: number;
  pareto?: (typeof PARETO_COSTS)[number];
  includeBaselines?: boolean;
  format?: Format;
}

export async function renderLeaderboard(db: Database, view: LeaderboardView): Promise<string> {
  const rows = await leaderboard(db, view);
  if (rows.length === 0 && (view.format ?? 'table') === 'table') {
    return `no finished trials for search ${view.searchId}`;
  }
  const format = view.format ?? 'table';
  const withReward = rows.some((r) => r.reward !== undefined)
    ? [...COLUMNS.slice(0, 2), REWARD_COLUMN, ...COLUMNS.slice(2)]
    : COLUMNS;
  const measured = rows.some((r) => r.latencyMs !== undefined);
  const beforeTrainSeconds = withReward.findIndex((c) => c.header === 'train s');
  const withLatency = measured
    ? [...withReward.slice(0, beforeTrainSeconds), LATENCY_COLUMN, ...withReward.slice(beforeTrainSeconds)]
    : withReward;
  const estimator = rows.find((r) => r.screenEstimator !== undefined)?.screenEstimator;
  const beforeTrial = withLatency.findIndex((c) => c.header === 'trial');
  const columns = estimator
    ? [...withLatency.slice(0, beforeTrial), ...screenColumns(estimator), ...withLatency.slice(beforeTrial)]
    : withLatency;
  const rendered = renderRows(rows, columns, format);
  const notes = [intervalNote(rows), measured ? latencyNote(rows) : null].filter((n) => n !== null);
  return notes.length > 0 && (format === 'table' || format === 'markdown')
    ? `${rendered}\n\n${notes.join('\n')}`
    : rendered;
}

/** Where the latencies were measured. */
function latencyNote(rows: LeaderboardRow[]): string {
  const devices = [...new Set(rows.map((r) => r.latencyDevice).filter((d): d is string => !!d))];
  return `latency ms: median of timed forward passes at batch 1 on the trainer before training${devices.length > 0 ? ` (${devices.join('; ')})` : ''}.`;
}

/** What the bracket after an accuracy is, with the image counts it was computed from. */
export function intervalNote(rows: LeaderboardRow[]): string | null {
  const sizes = (pick: (r: LeaderboardRow) => number | null, shown: (r: LeaderboardRow) => boolean) =>
    [...new Set(rows.filter(shown).map(pick))].filter((n) => n !== null).join('/');
  const parts = [
    [
      'validation',
      sizes(
        (r) => r.valSize,
        (r) => r.valAccuracyLow !== null,
      ),
    ],
    [
      'test',
      sizes(
        (r) => r.testSize,
        (r) => r.testAccuracyLow !== null,
      ),
    ],
  ].filter(([, n]) => n !== '');
  if (parts.length === 0) return null;
  return (
    `[low, high]: 95% binomial (Wilson) interval of an accuracy measured on N images ` +
    `(${parts.map(([set, n]) => `${set} N = ${n}`).join(', ')}): the noise of the finite evaluation set of one run, not the spread across seeds.`
  );
}

export async function leaderboardCommand({ flags }: CommandInput): Promise<number> {
  const searchId = stringFlag(flags, 'search');
  if (!searchId) throw new RequestError('--search', 'is required: the id printed by `nas search start`');
  if (flags.final === true || stringFlag(flags, 'final-id') !== undefined) {
    const mixed = ['top', 'sort', 'pareto', 'baselines', 'fidelity'].find((name) => flags[name] !== undefined);
    if (mixed)
      throw new RequestError(
        `--${mixed}`,
        'does not apply to --final (every architecture of the final evaluation is shown, Pareto marked)',
      );
    return finalLeaderboardCommand(searchId, stringFlag(flags, 'final-id'), formatOf(flags));
  }
  const pareto = stringFlag(flags, 'pareto');
  const sort = stringFlag(flags, 'sort');
  const fidelity = stringFlag(flags, 'fidelity');
  const view: LeaderboardView = {
    searchId,
    top: requirePositiveInteger('--top', stringFlag(flags, 'top') ?? 20),
    sort: sort === undefined ? undefined : requireOneOf('--sort', sort, LEADERBOARD_SORTS),
    fidelity: fidelity === undefined ? undefined : requireNonNegativeInteger('--fidelity', fidelity),
    pareto: pareto === undefined ? undefined : requireOneOf('--pareto', pareto, PARETO_COSTS),
    includeBaselines: flags.baselines === true,
    format: formatOf(flags),
  };
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    printData(
      await renderLeaderboard(db, view).catch((err: unknown) => {
        // The only RangeError here is a fidelity level the search does not have.
        if (err instanceof RangeError)
          throw new RequestError('--fidelity', err.message.replace(/^leaderboard fidelity: /, ''));
        throw err;
      }),
    );
  } finally {
    await stack.close();
  }
  return 0;
}
