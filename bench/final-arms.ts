/**
 * Search arms compared through their final evaluations: each arm is a search in its own home,
 * finalized under the same final protocol; the table gives each arm's best cell (rank 1 of its
 * final leaderboard) with its interval, and Welch's t-test between every pair of arms' best cells.
 *
 *   node bench/final-arms.ts NAME=HOME:SEARCH_ID[:CPU_SECONDS] ... [--format markdown]
 *
 * CPU_SECONDS is what the arm's search cost (user + system of its process), printed beside it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { FinalLeaderboard, FinalRow } from '../db/queries/final-leaderboard.ts';
import { welchDifference } from '../numeric/statistics.ts';
import { renderRows, type Format } from '../cli/format.ts';

interface Arm {
  name: string;
  searchCpuSeconds: number | null;
  board: FinalLeaderboard;
  best: FinalRow;
}

const NAS = path.join(import.meta.dirname, '..', 'cli', 'nas.mjs');

function readArm(spec: string): Arm {
  const match = /^([^=]+)=([^:]+):([^:]+)(?::(\d+(?:\.\d+)?))?$/.exec(spec);
  if (!match) throw new Error(`arm ${spec}: expected NAME=HOME:SEARCH_ID[:CPU_SECONDS]`);
  const [, name, home, searchId, cpu] = match;
  const json = execFileSync(
    process.execPath,
    [NAS, 'leaderboard', '--search', searchId, '--final', '--format', 'json'],
    {
      env: { ...process.env, NAS_HOME: home },
      encoding: 'utf8',
    },
  );
  const board = JSON.parse(json) as FinalLeaderboard;
  const best = board.rows.find((r) => r.kind === 'discovered');
  if (!best) throw new Error(`arm ${name}: its final evaluation has no discovered cell`);
  return { name, searchCpuSeconds: cpu === undefined ? null : Number(cpu), board, best };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}`;

function main(): void {
  const args = process.argv.slice(2);
  const formatAt = args.indexOf('--format');
  const format = (formatAt >= 0 ? args.splice(formatAt, 2)[1] : 'table') as Format;
  const arms = args.map(readArm);
  const protocols = new Set(arms.map((a) => a.board.protocolHash));
  if (protocols.size > 1)
    throw new Error(`the arms were finalized under different protocols: ${[...protocols].join(', ')}`);

  console.log(`final protocol ${arms[0].board.protocolHash}; best cell of each arm (rank 1 of its final evaluation)\n`);
  console.log(
    renderRows(
      arms,
      [
        { header: 'arm', value: (a) => a.name },
        {
          header: 'search CPU s',
          value: (a) => (a.searchCpuSeconds === null ? null : Math.round(a.searchCpuSeconds)),
          align: 'right',
        },
        {
          header: 'best cell test acc [95% CI]',
          value: (a) => `${pct(a.best.meanTestAccuracy)}% [${pct(a.best.low ?? NaN)}, ${pct(a.best.high ?? NaN)}]`,
          align: 'right',
        },
        { header: 'per seed', value: (a) => a.best.testAccuracies.map(pct).join(' / ') },
        { header: 'params', value: (a) => a.best.params, align: 'right' },
        {
          header: 'finalized cells (mean test acc)',
          value: (a) =>
            a.board.rows
              .filter((r) => r.kind === 'discovered')
              .map((r) => pct(r.meanTestAccuracy))
              .join(', '),
        },
      ],
      format,
    ),
  );
  const pairs = arms.flatMap((a, i) =>
    arms.slice(i + 1).map((b) => ({ a, b, d: welchDifference(a.best.testAccuracies, b.best.testAccuracies) })),
  );
  console.log(`\nWelch's t-test between the arms' best cells (difference first minus second, points, 95% interval)\n`);
  console.log(
    renderRows(
      pairs,
      [
        { header: 'arms', value: (p) => `${p.a.name} - ${p.b.name}` },
        {
          header: 'difference [95% CI]',
          value: (p) => `${pct(p.d.difference)} [${pct(p.d.low)}, ${pct(p.d.high)}]`,
          align: 'right',
        },
        { header: 't', value: (p) => p.d.statistic.toFixed(2), align: 'right' },
        { header: 'df', value: (p) => p.d.df.toFixed(1), align: 'right' },
        { header: 'p', value: (p) => p.d.p.toFixed(3), align: 'right' },
      ],
      format,
    ),
  );
}

main();
