/**
 * The dataset check of the commands that start trainings, run before anything starts (no stack,
 * no database). A dataset of the user's: its files are still those its descriptor was made from.
 * Fashion-MNIST: engine/data/check.ts against the directory the trainers of this
 * machine read (NAS_DATA_DIR, else the Debian package's). With TEMPORAL_ADDRESS set the trainers
 * may run elsewhere, so a directory that does not exist here is skipped; one that exists is checked.
 */
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { checkDatasetFiles, type DataCheck } from '../engine/data/check.ts';
import { validateAsFlags } from './request-fields.ts';
import { currentVersion } from '../engine/data/datasets.ts';
import { DatasetFileError } from '../engine/data/image-set.ts';
import { RequestError } from '../contracts/request-error.ts';

/** Throws a RequestError naming NAS_DATA_DIR, or the size flag (`asFlags`) or request field a file cannot hold. */
export function checkTrainingData(
  protocol: TrainingProtocol,
  options: { asFlags?: boolean; env?: NodeJS.ProcessEnv } = {},
): DataCheck {
  if (protocol.datasetInfo)
    return checkDatasetVersion(protocol, options.asFlags === false ? 'protocol.dataset' : '--dataset');
  const env = options.env ?? process.env;
  const check = () => checkDatasetFiles(protocol, { env, remoteTrainers: Boolean(env.TEMPORAL_ADDRESS) });
  if (options.asFlags === false) return check();
  let result!: DataCheck;
  validateAsFlags(() => (result = check()));
  return result;
}

/**
 * A dataset of the user's was read when its descriptor was made (cli/dataset-flag.ts); a protocol
 * recorded earlier (scaling resume, finalize) must still find the same files.
 */
function checkDatasetVersion(protocol: TrainingProtocol, field: string): DataCheck {
  let version: string | undefined;
  try {
    version = currentVersion(protocol.dataset);
  } catch (err) {
    if (err instanceof DatasetFileError) throw new RequestError(field, err.message);
    throw err;
  }
  if (version !== protocol.datasetInfo?.version) {
    throw new RequestError(
      field,
      `${protocol.dataset}: its files changed since the protocol described them (version ${protocol.datasetInfo?.version}, now ${version}); start a new search on it`,
    );
  }
  return { checked: false, dir: protocol.dataset, reason: "a dataset of the user's: its version was checked" };
}
