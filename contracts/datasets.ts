/**
 * The dataset registry: what the cost model, the request validators, the data loader and the
 * trainer all read about a dataset.
 */
export const DATASETS = {
  'fashion-mnist': { input: { height: 28, width: 28, channels: 1 }, classes: 10, trainSamples: 60000, testSamples: 10000 },
} as const;

export type DatasetName = keyof typeof DATASETS;
