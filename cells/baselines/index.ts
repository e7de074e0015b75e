export { baselineGraph } from './graph';
export { validateBaseline, baselineString } from './validate';
