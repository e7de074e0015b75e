/**
 * The dataset check of the commands that start trainings, run before anything starts (no stack,
 * no database): engine/data/check.ts against the directory the trainers of this
 * machine read (NAS_DATA_DIR, else the Debian package's). With TEMPORAL_ADDRESS set the trainers
 * may run elsewhere, so a directory that does not exist here is skipped; one that exists is checked.
 */
import type { TrainingProtocol } from '../search/protocol';
import { checkDatasetFiles, type DataCheck } from '../engine/data/check';
import { validateAsFlags } from './request-fields';

/** Throws a RequestError naming NAS_DATA_DIR, or the size flag (`asFlags`) or request field a file cannot hold. */
export function checkTrainingData(protocol: TrainingProtocol, options: { asFlags?: boolean; env?: NodeJS.ProcessEnv } = {}): DataCheck {
  const env = options.env ?? process.env;
  const check = () => checkDatasetFiles(protocol, { env, remoteTrainers: Boolean(env.TEMPORAL_ADDRESS) });
  if (options.asFlags === false) return check();
  let result!: DataCheck;
  validateAsFlags(() => (result = check()));
  return result;
}
