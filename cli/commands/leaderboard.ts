import type { Database } from '../../db/client';
import {
  LEADERBOARD_SORTS,
  PARETO_COSTS,
  leaderboard,
  type LeaderboardRow,
} from '../../db/queries/leaderboard';
import { requireNonNegativeInteger, requireOneOf, requirePositiveInteger, RequestError } from '../../search/request';
import { parseFlags, stringFlag } from '../args';
import { compact, FORMATS, percent, renderRows, type Column, type Format } from '../format';
import { openStack } from '../../stack/embedded';

const COLUMNS: Column<LeaderboardRow>[] = [
  { header: 'rank', value: (r) => r.rank, align: 'right' },
  { header: 'kind', value: (r) => r.kind },
  { header: 'val acc', value: (r) => percent(r.valAccuracy), align: 'right' },
  { header: 'test acc', value: (r) => percent(r.testAccuracy), align: 'right' },
  { header: 'params', value: (r) => compact(r.params), align: 'right' },
  { header: 'FLOPs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'train s', value: (r) => (r.trainSeconds === null ? null : r.trainSeconds.toFixed(0)), align: 'right' },
  { header: 'trial', value: (r) => r.trialId },
  { header: 'architecture', value: (r) => r.name },
];

const REWARD_COLUMN: Column<LeaderboardRow> = { header: 'reward', value: (r) => (r.reward == null ? null : r.reward.toFixed(4)), align: 'right' };

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
  const columns = rows.some((r) => r.reward !== undefined) ? [...COLUMNS.slice(0, 2), REWARD_COLUMN, ...COLUMNS.slice(2)] : COLUMNS;
  return renderRows(rows, columns, view.format ?? 'table');
}

export async function leaderboardCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, {
    search: { type: 'string' },
    top: { type: 'string' },
    sort: { type: 'string' },
    pareto: { type: 'string' },
    baselines: { type: 'boolean' },
    fidelity: { type: 'string' },
    format: { type: 'string' },
  });
  const searchId = stringFlag(flags, 'search');
  if (!searchId) throw new RequestError('--search', 'is required: the id printed by `nas search start`');
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
    format: requireOneOf('--format', stringFlag(flags, 'format') ?? 'table', FORMATS),
  };
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    console.log(await renderLeaderboard(db, view).catch((err: unknown) => {
      // The only RangeError here is a fidelity level the search does not have.
      if (err instanceof RangeError) throw new RequestError('--fidelity', err.message.replace(/^leaderboard fidelity: /, ''));
      throw err;
    }));
  } finally {
    await stack.close();
  }
  return 0;
}
