/** Scaling-study activities: idempotent writes keyed by the study id and the point's key. */
import type { Database } from '../../db/client.ts';
import { finishScalingStudy, recordScalingPoint, upsertScalingStudy } from '../../db/queries/scaling.ts';
import { reopenScalingStudy } from '../../db/queries/scaling-report.ts';
import type { ScalingActivities } from '../../contracts/activities.ts';

export type { ScalingActivities } from '../../contracts/activities.ts';

export function createScalingActivities(db: Database): ScalingActivities {
  return {
    async recordScalingStudy(input) {
      await upsertScalingStudy(db, { id: input.studyId, base: input.base, config: input.config });
      await reopenScalingStudy(db, input.studyId, input.config);
    },

    async recordScalingPoints(input) {
      for (const point of input.points) await recordScalingPoint(db, { studyId: input.studyId, ...point });
    },

    async finishScalingStudy(input) {
      await finishScalingStudy(db, input.studyId, input.status, input.chosen);
    },
  };
}
