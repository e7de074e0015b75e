/** The id of a trial row, its idempotency key: `${searchId}/${trialIndex}`. */
export function trialIdOf(searchId: string, trialIndex: number): string {
  return `${searchId}/${trialIndex}`;
}
