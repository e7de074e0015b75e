/**
 * What a run page's query asks to see: the cost its Pareto chart is drawn against and the trial
 * table's order, state filter and page (`?cost=flops&sort=val&dir=desc&state=succeeded&page=2`),
 * and the links that change one of them while keeping the rest.
 */
import { TRIAL_STATES, type TrialState } from '../../contracts/trial-state.ts';
import { TRIAL_TABLE_SORTS, type SortDirection, type TrialTableSort } from '../../db/queries/dashboard-trial-page.ts';

export interface RunView {
  cost: 'params' | 'flops';
  sort: TrialTableSort;
  direction: SortDirection;
  /** Only trials in this state; all without. */
  state?: TrialState;
  /** From 1. */
  page: number;
}

export const DEFAULT_RUN_VIEW: RunView = { cost: 'params', sort: 'index', direction: 'asc', page: 1 };

const COSTS = ['params', 'flops'] as const;
const DIRECTIONS = ['asc', 'desc'] as const;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new RangeError(`${name} must be one of ${allowed.join(', ')}, not '${value}'`);
}

/** The view a run page's query asks for; a RangeError with one line that says what is wrong otherwise. */
export function parseRunView(query: Record<string, unknown>): RunView {
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new RangeError(`${name} is given more than once`);
    return value;
  };
  const view = { ...DEFAULT_RUN_VIEW };
  const cost = text('cost');
  if (cost !== undefined) view.cost = oneOf('cost', cost, COSTS);
  const sort = text('sort');
  if (sort !== undefined) view.sort = oneOf('sort', sort, TRIAL_TABLE_SORTS);
  const direction = text('dir');
  if (direction !== undefined) view.direction = oneOf('dir', direction, DIRECTIONS);
  const state = text('state');
  if (state) view.state = oneOf('state', state, TRIAL_STATES);
  const page = text('page');
  if (page !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(page)) throw new RangeError(`page must be a whole number from 1, not '${page}'`);
    view.page = Number(page);
  }
  return view;
}

/** The query of the view with `changes` made, leaving out what is the default ("?" alone for the default view). */
export function runViewQuery(view: RunView, changes: Partial<RunView> = {}): string {
  const next: RunView = { ...view, ...changes };
  const params = new URLSearchParams();
  if (next.cost !== DEFAULT_RUN_VIEW.cost) params.set('cost', next.cost);
  if (next.sort !== DEFAULT_RUN_VIEW.sort) params.set('sort', next.sort);
  if (next.direction !== DEFAULT_RUN_VIEW.direction) params.set('dir', next.direction);
  if (next.state) params.set('state', next.state);
  if (next.page !== DEFAULT_RUN_VIEW.page) params.set('page', String(next.page));
  return `?${params}`;
}
