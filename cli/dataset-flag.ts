/**
 * `--dataset` and `--input-size` (also with the `finalize-` prefix): a dataset of the user's is
 * described once, before the command runs (cli/main.ts), by reading its files, and a folder's
 * images decoded (engine/data/datasets.ts). Describing is asynchronous (sharp) while the request
 * builders are not, so the descriptors wait here for protocolFromFlags to take them.
 */
import { stringFlag, type Flags } from './args.ts';
import { describeDataset, type DescribedDataset } from '../engine/data/datasets.ts';
import { DatasetFileError } from '../engine/data/image-set.ts';
import type { TrainingProtocol } from '../contracts/protocol.ts';
import { RequestError } from '../contracts/request-error.ts';
import { requirePositiveInteger } from '../contracts/field-checks.ts';

const described = new Map<string, DescribedDataset>();

const keyOf = (spec: string, inputSize: number | undefined) => `${spec}|${inputSize ?? ''}`;

/** Describes the datasets the flags name; a problem is a RequestError of the flag naming the path. */
export async function describeDatasetFlags(flags: Flags): Promise<void> {
  for (const prefix of ['', 'finalize-']) {
    const spec = stringFlag(flags, `${prefix}dataset`);
    const inputSize = inputSizeFlag(flags, prefix);
    if (spec === undefined) continue;
    if (inputSize !== undefined && !spec.startsWith('folder:')) {
      throw new RequestError(`--${prefix}input-size`, `applies to folder: datasets only, not ${spec}`);
    }
    try {
      described.set(keyOf(spec, inputSize), await describeDataset(spec, inputSize));
    } catch (err) {
      if (
        err instanceof DatasetFileError ||
        (err instanceof Error && !(err instanceof RequestError) && !isSystemError(err))
      ) {
        throw new RequestError(`--${prefix}dataset`, err.message);
      }
      throw err;
    }
  }
}

/** The protocol's dataset fields from the flags, else the defaults'. */
export function datasetFromFlags(flags: Flags, defaults: TrainingProtocol): DescribedDataset {
  const spec = stringFlag(flags, 'dataset');
  const inputSize = inputSizeFlag(flags, '');
  if (spec === undefined && inputSize === undefined) {
    return { dataset: defaults.dataset, ...(defaults.datasetInfo && { datasetInfo: defaults.datasetInfo }) };
  }
  if (spec === undefined)
    throw new RequestError('--input-size', 'applies with --dataset folder:DIR only; name the dataset');
  const found = described.get(keyOf(spec, inputSize));
  if (found) return found;
  if (spec === 'fashion-mnist' && inputSize === undefined) return { dataset: 'fashion-mnist' };
  throw new Error(`--dataset ${spec} was not described: call describeDatasetFlags(flags) before building the request`);
}

function inputSizeFlag(flags: Flags, prefix: string): number | undefined {
  const value = stringFlag(flags, `${prefix}input-size`);
  return value === undefined ? undefined : requirePositiveInteger(`--${prefix}input-size`, value);
}

/** Out of memory and the like: not the user's input. */
function isSystemError(err: Error): boolean {
  return err instanceof RangeError || (err as NodeJS.ErrnoException).code !== undefined;
}
