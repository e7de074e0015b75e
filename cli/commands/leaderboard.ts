import type { Database } from '../../db/client';
import {
  LEADERBOARD_SORTS,
  PARETO_COSTS,
  leaderboard,
  type LeaderboardRow,
} from '../../db/queries/leaderboard';
import { requireOneOf, requirePositiveInteger, RequestError } from '../../search/request';
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

export interface LeaderboardView {
  searchId: string;
  top?: number;
  sort?: (typeof LEADERBOARD_SORTS)[number];
  pareto?: (typeof PARETO_COSTS)[number];
  includeBaselines?: boolean;
  format?: Format;
}

export async function renderLeaderboard(db: Database, view: LeaderboardView): Promise<string> {
  const rows = await leaderboard(db, view);
  if (rows.length === 0 && (view.format ?? 'table') === 'table') {
    return `no finished trials for search ${view.searchId}`;
  }
  return renderRows(rows, COLUMNS, view.format ?? 'table');
}

export async function leaderboardCommand(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, {
    search: { type: 'string' },
    top: { type: 'string' },
    sort: { type: 'string' },
    pareto: { type: 'string' },
    baselines: { type: 'boolean' },
    format: { type: 'string' },
  });
  const searchId = stringFlag(flags, 'search');
  if (!searchId) throw new RequestError('--search', 'is required: the id printed by `nas search start`');
  const pareto = stringFlag(flags, 'pareto');
  const view: LeaderboardView = {
    searchId,
    top: requirePositiveInteger('--top', stringFlag(flags, 'top') ?? 20),
    sort: requireOneOf('--sort', stringFlag(flags, 'sort') ?? 'val_acc', LEADERBOARD_SORTS),
    pareto: pareto === undefined ? undefined : requireOneOf('--pareto', pareto, PARETO_COSTS),
    includeBaselines: flags.baselines === true,
    format: requireOneOf('--format', stringFlag(flags, 'format') ?? 'table', FORMATS),
  };
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    console.log(await renderLeaderboard(db, view));
  } finally {
    await stack.close();
  }
  return 0;
}
