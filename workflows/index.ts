export { searchWorkflow } from './search.ts';
export { baselinesWorkflow } from './baselines.ts';
export { scalingStudyWorkflow } from './scaling.ts';
export { finalizeWorkflow } from './finalize.ts';
export { referenceWorkflow } from './reference.ts';
export { enasPhasesWorkflow } from './enas-phases.ts';
export { enasSearchWorkflow } from './enas-search.ts';
