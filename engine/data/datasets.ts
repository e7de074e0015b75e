/**
 * The dataset kinds by name: `fashion-mnist` (the registry's, from NAS_DATA_DIR), `idx:DIR`,
 * `folder:DIR` and `cifar10:DIR`. The CLI describes a dataset of the user's (describeDataset) and
 * puts the descriptor in the protocol; a trainer loads it (loadDataset), refusing one whose files
 * changed since (another version).
 */
import { resolve } from 'node:path';
import { parseDatasetSpec, type DatasetDescriptor, type DatasetSpec } from '../../contracts/datasets.ts';
import type { TrainingProtocol } from '../../contracts/protocol.ts';
import { cifar10Version, describeCifar10, loadCifar10 } from './cifar10.ts';
import { defaultDataDir, readFashionMnist } from './fashion-mnist.ts';
import { describeFolderDataset, listFolderDataset, loadFolderDataset } from './folder.ts';
import { describeIdxDataset, idxVersion, loadIdxDataset } from './idx-dataset.ts';
import { DatasetFileError, type LoadedDataset } from './image-set.ts';

export interface DescribedDataset {
  dataset: DatasetSpec;
  datasetInfo?: DatasetDescriptor;
}

/**
 * The spec with its directory made absolute, and the descriptor of a dataset of the user's (its
 * files read; a folder's images decoded into the cache). Throws a DatasetFileError naming the path,
 * an Error for a spec of no known kind or an --input-size where it does not apply.
 */
export async function describeDataset(spec: string, inputSize?: number): Promise<DescribedDataset> {
  const parsed = parseDatasetSpec(spec);
  if (!parsed)
    throw new Error(`${JSON.stringify(spec)} is not a dataset: use fashion-mnist, idx:DIR, folder:DIR or cifar10:DIR`);
  if (inputSize !== undefined && parsed.kind !== 'folder')
    throw new Error(`--input-size applies to folder: datasets only, not ${parsed.kind}`);
  if (parsed.kind === 'fashion-mnist') return { dataset: 'fashion-mnist' };
  const dir = resolve(parsed.dir);
  const dataset: DatasetSpec = `${parsed.kind}:${dir}`;
  if (parsed.kind === 'idx') return { dataset, datasetInfo: describeIdxDataset(dir) };
  if (parsed.kind === 'cifar10') return { dataset, datasetInfo: describeCifar10(dir) };
  return { dataset, datasetInfo: await describeFolderDataset(dir, inputSize) };
}

/** The version of the dataset's files now (listing and sizes only); undefined for Fashion-MNIST. */
export function currentVersion(spec: string): string | undefined {
  const parsed = parseDatasetSpec(spec);
  if (!parsed || parsed.kind === 'fashion-mnist') return undefined;
  if (parsed.kind === 'idx') return idxVersion(parsed.dir);
  if (parsed.kind === 'cifar10') return cifar10Version(parsed.dir);
  return listFolderDataset(parsed.dir).version;
}

const loaded = new Map<string, Promise<LoadedDataset>>();

/** Loads (once per process and version; Fashion-MNIST once per directory) the protocol's dataset; Fashion-MNIST from `dataDir`. */
export function loadDataset(
  protocol: Pick<TrainingProtocol, 'dataset' | 'datasetInfo'>,
  dataDir: string = defaultDataDir(),
): Promise<LoadedDataset> {
  const parsed = parseDatasetSpec(protocol.dataset);
  if (!parsed) throw new Error(`no dataset ${protocol.dataset}`);
  if (parsed.kind === 'fashion-mnist') {
    const dir = resolve(dataDir);
    return once(`fashion-mnist|${dir}`, async () => readFashionMnist(dir));
  }
  const info = protocol.datasetInfo;
  if (!info) throw new Error(`dataset ${protocol.dataset} has no descriptor (protocol.datasetInfo)`);
  return once(`${protocol.dataset}|${info.version}|${info.inputSize ?? ''}`, () =>
    loadOfKind(parsed.kind, parsed.dir, info),
  );
}

function once(key: string, load: () => Promise<LoadedDataset>): Promise<LoadedDataset> {
  let promise = loaded.get(key);
  if (!promise) {
    promise = load();
    loaded.set(key, promise);
    promise.catch(() => loaded.delete(key));
  }
  return promise;
}

async function loadOfKind(
  kind: 'idx' | 'cifar10' | 'folder',
  dir: string,
  info: DatasetDescriptor,
): Promise<LoadedDataset> {
  if (kind === 'folder') return loadFolderDataset(dir, info);
  const version = kind === 'idx' ? idxVersion(dir) : cifar10Version(dir);
  if (version !== info.version) {
    throw new DatasetFileError(
      dir,
      `its files changed since the protocol described them (version ${info.version}, now ${version})`,
      'start a new search on it',
    );
  }
  return kind === 'idx' ? loadIdxDataset(dir) : loadCifar10(dir);
}

/** Forgets loaded datasets (tests that rewrite their files). */
export function clearLoadedDatasets(): void {
  loaded.clear();
}
