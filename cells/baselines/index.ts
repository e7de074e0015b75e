export { baselineGraph } from './graph.ts';
export { validateBaseline, baselineString } from './validate.ts';
export { BASELINES, baselineByName, type BaselineEntry } from './registry.ts';
