/**
 * The screening activity (`nas search start --screen`): a batch of a search's proposals scored with
 * a cheap estimator on the trainer. Zero-cost proxies are computed from one seeded mini-batch at the
 * initial weights of the search's training (engine/proxies/score-architectures.ts, the loop `nas
 * estimators report` runs too), all four at once as they share the network's build, recorded per
 * (architecture, protocol scope, estimator) in estimator_scores and reused from there: a retried or
 * repeated batch computes only what is not recorded. Params and FLOPs come from the cost model.
 */
import { Context, CancelledFailure } from '@temporalio/activity';
import { architectureCost } from '../../cells/architecture.ts';
import type { ScoreCandidatesInput, ScoreCandidatesResult, ScreeningActivities } from '../../contracts/activities.ts';
import { isZeroCostProxy } from '../../contracts/estimators.ts';
import type { Database } from '../../db/client.ts';
import {
  estimatorScoreScopeOf,
  hashesMissingProxies,
  recordedEstimatorScores,
  recordEstimatorScores,
} from '../../db/queries/estimator-scores.ts';
import type { SelectedBackend } from '../../engine/backend.ts';
import { scoreArchitectures } from '../../engine/proxies/score-architectures.ts';

export interface ScreeningActivityDeps {
  db: Database;
  /** The tfjs backend proxies compute on (the trainer's, or one chosen on first use). */
  backend: () => Promise<SelectedBackend>;
  /** As the training activity's: where Fashion-MNIST is; other datasets name their own. */
  dataDir?: string;
}

/** What the screening activity heartbeats: architectures of the batch scored so far. */
export interface ScreeningHeartbeat {
  scored: number;
  toScore: number;
}

export function createScreeningActivities(deps: ScreeningActivityDeps): ScreeningActivities {
  const { db } = deps;
  return {
    async scoreCandidates(input: ScoreCandidatesInput): Promise<ScoreCandidatesResult> {
      const { estimator, candidates } = input;
      if (!isZeroCostProxy(estimator)) {
        const scores = candidates.map((c) => architectureCost(c.architecture, input.input, input.classes)[estimator]);
        return { scores, computed: 0, reused: 0 };
      }
      const ctx = Context.current();
      const scope = estimatorScoreScopeOf(input.protocol);
      const hashes = candidates.map((c) => c.archHash);
      const missing = new Set(hashesMissingProxies(await recordedEstimatorScores(db, scope, hashes), hashes));
      const toScore = candidates.filter((c) => missing.delete(c.archHash));
      ctx.heartbeat({ scored: 0, toScore: toScore.length } satisfies ScreeningHeartbeat);
      if (toScore.length > 0) {
        const { backend, device } = await deps.backend();
        try {
          await scoreArchitectures(
            toScore,
            {
              protocol: input.protocol,
              seed: scope.seed,
              batchSize: scope.batchSize,
              input: input.input,
              classes: input.classes,
              dataDir: deps.dataDir,
              signal: ctx.cancellationSignal,
            },
            async (i, scores) => {
              const archHash = toScore[i].archHash;
              await recordEstimatorScores(
                db,
                scores.map((s) => ({ ...scope, archHash, ...s, backend, device })),
              );
              ctx.heartbeat({ scored: i + 1, toScore: toScore.length } satisfies ScreeningHeartbeat);
            },
          );
        } catch (err) {
          if (ctx.cancellationSignal.aborted) throw new CancelledFailure('screening cancelled');
          throw err;
        }
      }
      const recorded = await recordedEstimatorScores(db, scope, hashes);
      const score = new Map(recorded.filter((r) => r.estimator === estimator).map((r) => [r.archHash, r.score]));
      const unique = new Set(hashes).size;
      return {
        scores: hashes.map((h) => score.get(h) ?? null),
        computed: toScore.length,
        reused: unique - toScore.length,
      };
    },
  };
}
