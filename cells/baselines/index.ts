export { baselineGraph } from './graph';
export { validateBaseline, baselineString } from './validate';
export { BASELINES, baselineByName, type BaselineEntry } from './registry';
