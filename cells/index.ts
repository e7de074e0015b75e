/** The pure public API of cells/ (safe in Temporal's workflow sandbox; the tfjs builder is in cells/builders). */
export * from '../contracts/genotypes.ts';
export * from './graph.ts';
export * from '../contracts/hash.ts';
export * from './cost.ts';
export * from './architecture.ts';
export * from './nasnet/index.ts';
export * from './efficientnet/index.ts';
export * from './baselines/index.ts';
export * from './mobilenetv2/index.ts';
export * from './published.ts';
