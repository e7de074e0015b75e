/**
 * The datasets a protocol trains on, as the cost model, the request validators, the data loader and
 * the trainer all read them. Fashion-MNIST is a named entry of the registry; a dataset of the user's
 * (`idx:DIR`, `folder:DIR`, `cifar10:DIR`) is described once by the CLI, which inspects its files,
 * and its descriptor travels in the protocol (`protocol.datasetInfo`): workflow code reads no files.
 */
export const DATASETS = {
  'fashion-mnist': {
    input: { height: 28, width: 28, channels: 1 },
    classes: 10,
    trainSamples: 60000,
    testSamples: 10000,
  },
} as const;

export type DatasetName = keyof typeof DATASETS;

/** The kinds of datasets read from a directory of the user's. */
export const DATASET_KINDS = ['idx', 'folder', 'cifar10'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** `fashion-mnist`, or `<kind>:<absolute directory>`. */
export type DatasetSpec = DatasetName | `${DatasetKind}:${string}`;

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** What a protocol's training depends on besides its numbers: the shape and size of the data. */
export interface DatasetShape {
  input: ImageShape;
  classes: number;
  trainSamples: number;
  testSamples: number;
}

/** A dataset of the user's as the CLI found it; part of the protocol and so of its hash. */
export interface DatasetDescriptor extends DatasetShape {
  classNames: string[];
  /** Hash of the dataset's file list and sizes: a changed dataset is another protocol. */
  version: string;
  /** `--input-size` of a folder dataset: images resized to inputSize x inputSize. */
  inputSize?: number;
}

export type ParsedDatasetSpec = { kind: 'fashion-mnist' } | { kind: DatasetKind; dir: string };

/** The kind and directory of a dataset spec; null when it names no known kind. */
export function parseDatasetSpec(spec: string): ParsedDatasetSpec | null {
  if (spec === 'fashion-mnist') return { kind: 'fashion-mnist' };
  const colon = spec.indexOf(':');
  if (colon < 0) return null;
  const kind = spec.slice(0, colon) as DatasetKind;
  const dir = spec.slice(colon + 1);
  return DATASET_KINDS.includes(kind) && dir !== '' ? { kind, dir } : null;
}

/** The shape of a protocol's dataset: the registry's, or its descriptor's. */
export function datasetShape(protocol: { dataset: string; datasetInfo?: DatasetShape }): DatasetShape {
  if (protocol.dataset in DATASETS) return DATASETS[protocol.dataset as DatasetName];
  if (!protocol.datasetInfo)
    throw new Error(
      `dataset ${protocol.dataset} has no descriptor (protocol.datasetInfo); describe it with the CLI first`,
    );
  const { input, classes, trainSamples, testSamples } = protocol.datasetInfo;
  return { input, classes, trainSamples, testSamples };
}
