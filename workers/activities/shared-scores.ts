/**
 * A weight-sharing round's scores as trials: role `shared`, succeeded, the shared-weight score as
 * validation accuracy, under the search's protocol, so that the leaderboard, `nas search status`
 * and `nas search finalize` read a sharing search as any other.
 */
import { architectureHash } from '../../cells/index.ts';
import type { RecordSharedScoresInput } from '../../contracts/activities.ts';
import { protocolHash } from '../../contracts/protocol.ts';
import { trialIdOf } from '../../contracts/trial-id.ts';
import type { Database } from '../../db/client.ts';
import { upsertProtocol } from '../../db/queries/architectures.ts';
import { enqueueTrial, finishTrial, markTrialRunning } from '../../db/queries/trials.ts';
import { recordArchitecture } from './architecture-record.ts';

/** Not a training: no trainer ran it; the backend column says what produced the number. */
const SCORED_BY = { worker: 'weight-sharing', backend: 'shared-weights', device: '' };

export async function recordSharedScores(db: Database, input: RecordSharedScoresInput): Promise<void> {
  const pHash = protocolHash(input.protocol);
  await upsertProtocol(db, pHash, input.protocol);
  for (const score of input.scored) {
    const archHash = architectureHash(score.architecture);
    const cost = await recordArchitecture(db, score.architecture, archHash, input.input, input.classes);
    const id = trialIdOf(input.searchId, score.trialIndex);
    await enqueueTrial(db, {
      id,
      searchId: input.searchId,
      trialIndex: score.trialIndex,
      archHash,
      protocolHash: pHash,
      params: cost.params,
      flops: cost.flops,
      role: 'shared',
      seed: input.protocol.seed,
      strategySummary: { ...input.summary, sharedLoss: score.loss },
    });
    // Both are no-ops on a row a retried attempt already ended.
    await markTrialRunning(db, id, SCORED_BY);
    await finishTrial(db, id, { status: 'succeeded', valAccuracy: score.accuracy, trainSeconds: 0 });
  }
}
