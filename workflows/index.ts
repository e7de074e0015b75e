export { searchWorkflow } from './search';
export { baselinesWorkflow } from './baselines';
