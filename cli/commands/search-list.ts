/** `nas search list`: every run in the results database, newest first. */
import { listSearches, type SearchListRow } from '../../db/queries/search-list.ts';
import { openStack } from '../../stack/embedded.ts';
import type { CommandInput } from '../invocation.ts';
import { formatOf, renderRows, type Column, type Format } from '../format.ts';
import { percent } from '../../numeric/number-text.ts';
import { printData } from '../output.ts';

/** "2026-01-01 12:00" in UTC: minutes are enough to tell runs apart at a glance; CSV and JSON keep the instant. */
const shortTime = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

const COLUMNS: Column<SearchListRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'kind', value: (r) => r.kind },
  { header: 'status', value: (r) => r.status },
  { header: 'strategy', value: (r) => r.strategy },
  { header: 'trials', value: (r) => `${r.trialsDone}/${r.trialsPlanned}`, align: 'right' },
  { header: 'best val acc', value: (r) => percent(r.bestValAccuracy), align: 'right' },
  { header: 'created (UTC)', value: (r) => shortTime(r.createdAt) },
];

export function renderSearchList(rows: SearchListRow[], format: Format): string {
  if (rows.length === 0 && format === 'table')
    return 'no searches, baseline runs, scaling studies or final evaluations recorded yet';
  return renderRows(rows, COLUMNS, format);
}

export async function searchList({ flags }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const stack = await openStack({ own: false });
  try {
    printData(renderSearchList(await listSearches((await stack.database()).db), format));
    return 0;
  } finally {
    await stack.close();
  }
}
