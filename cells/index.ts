/** The pure public API of cells/ (safe in Temporal's workflow sandbox; the tfjs builder is in cells/builders). */
export * from '../contracts/genotypes';
export * from './graph';
export * from '../contracts/hash';
export * from './cost';
export * from './architecture';
export * from './nasnet';
export * from './efficientnet';
export * from './baselines';
export * from './mobilenetv2';
export * from './published';
