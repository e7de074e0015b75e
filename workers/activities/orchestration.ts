/** Orchestration activities: every write is an idempotent upsert keyed by ids from the input. */
import type { Database } from '../../db/client.ts';
import { getArchitecture, upsertProtocol } from '../../db/queries/architectures.ts';
import { leaderboard } from '../../db/queries/leaderboard.ts';
import { failSearch, getSearch, setSearchStatus, upsertSearch } from '../../db/queries/searches.ts';
import {
  cancelOpenTrials,
  enqueueTrial,
  failOpenTrials,
  findReusableTrial,
  finishTrial,
  getTrial,
  recordTrialReward,
} from '../../db/queries/trials.ts';
import { isTerminal, type TrialState } from '../../contracts/trial-state.ts';
import { ROLES_KEEPING_WEIGHTS } from '../../contracts/trial-role.ts';
import type { OrchestrationActivities, PreparedTrial, TrialOutcome } from '../../contracts/activities.ts';
import { recordArchitecture } from './architecture-record.ts';
import { recordSharedScores } from './shared-scores.ts';

type TrialRow = NonNullable<Awaited<ReturnType<typeof getTrial>>>;

function outcomeOf(row: TrialRow): TrialOutcome {
  return {
    trialId: row.id,
    status: row.status as TrialState,
    valAccuracy: row.valAccuracy ?? null,
    testAccuracy: row.testAccuracy ?? null,
    params: Number(row.params ?? 0),
    flops: Number(row.flops ?? 0),
    error: row.error ?? null,
    latencyMs: row.latencyMs ?? null,
  };
}

export function createOrchestrationActivities(db: Database): OrchestrationActivities {
  return {
    async recordSearch(input) {
      await upsertSearch(db, {
        id: input.searchId,
        kind: input.kind,
        status: 'running',
        space: input.space,
        strategy: input.strategy,
        seed: input.seed,
        trialsRequested: input.trials,
        config: input.config,
      });
    },

    async prepareTrial(input): Promise<PreparedTrial> {
      const existing = await getTrial(db, input.trialId);
      if (existing && isTerminal(existing.status as TrialState)) {
        return { action: 'settled', outcome: outcomeOf(existing) };
      }
      const cost = await recordArchitecture(db, input.architecture, input.archHash, input.input, input.classes);
      const seed = input.seed ?? input.protocol.seed;
      await upsertProtocol(db, input.protocolHash, input.protocol);
      await enqueueTrial(db, {
        id: input.trialId,
        searchId: input.searchId,
        trialIndex: input.trialIndex,
        archHash: input.archHash,
        protocolHash: input.protocolHash,
        params: cost.params,
        flops: cost.flops,
        fidelity: input.fidelity,
        baselineName: input.baselineName,
        role: input.role,
        seed,
        strategySummary: input.strategySummary ?? null,
      });

      const overBy = overBudget(cost, input.budget);
      if (overBy) {
        await finishTrial(db, input.trialId, { status: 'over_budget', error: overBy });
        return { action: 'settled', outcome: outcomeOf((await getTrial(db, input.trialId))!) };
      }
      const role = input.role ?? (input.baselineName ? 'baseline' : 'search');
      const withWeights = ROLES_KEEPING_WEIGHTS.includes(role) || input.keepWeights === true;
      const source = await findReusableTrial(db, input.archHash, input.protocolHash, seed, input.trialId, {
        withWeights,
      });
      if (source) {
        await finishTrial(db, input.trialId, {
          status: 'reused',
          reusedFrom: source.id,
          valAccuracy: source.valAccuracy ?? undefined,
          testAccuracy: source.testAccuracy ?? undefined,
          trainSeconds: 0,
          cpuSeconds: 0,
        });
        return { action: 'settled', outcome: outcomeOf((await getTrial(db, input.trialId))!) };
      }
      return { action: 'train', params: cost.params, flops: cost.flops };
    },

    async settleTrial(input) {
      const row = await getTrial(db, input.trialId);
      if (!row) {
        return {
          trialId: input.trialId,
          status: input.status,
          valAccuracy: null,
          testAccuracy: null,
          params: 0,
          flops: 0,
          error: input.error,
        };
      }
      await finishTrial(db, input.trialId, { status: input.status, error: input.error });
      return outcomeOf((await getTrial(db, input.trialId))!);
    },

    async finishSearch(input) {
      await cancelOpenTrials(db, input.searchId, `search ${input.status}`);
      await setSearchStatus(db, input.searchId, input.status);
    },

    async setSearchStatus(input) {
      await setSearchStatus(db, input.searchId, input.status);
    },

    async failSearch(input) {
      const search = await getSearch(db, input.searchId);
      if (!search || search.status === 'finished' || search.status === 'stopped') return;
      await failOpenTrials(db, input.searchId, input.error);
      await failSearch(db, input.searchId, input.error);
    },

    async recordReward(input) {
      await recordTrialReward(db, input.trialId, input.reward);
    },

    async finalCandidates(input) {
      const rows = await leaderboard(db, { searchId: input.searchId, top: input.top });
      const candidates = [];
      for (const row of rows) {
        if (row.kind !== 'discovered') continue;
        const arch = await getArchitecture(db, row.archHash);
        if (!arch)
          throw new Error(`finalCandidates: architecture ${row.archHash} of trial ${row.trialId} is not recorded`);
        candidates.push({
          archHash: row.archHash,
          architecture: arch.genotype,
          trialId: row.trialId,
          valAccuracy: row.valAccuracy,
        });
      }
      return candidates;
    },

    recordSharedScores: (input) => recordSharedScores(db, input),
  };
}

function overBudget(
  cost: { params: number; flops: number },
  budget: { maxParams?: number; maxFlops?: number },
): string | null {
  if (budget.maxParams !== undefined && cost.params > budget.maxParams) {
    return `params ${cost.params} exceed the budget of ${budget.maxParams}`;
  }
  if (budget.maxFlops !== undefined && cost.flops > budget.maxFlops) {
    return `FLOPs ${cost.flops} exceed the budget of ${budget.maxFlops}`;
  }
  return null;
}
