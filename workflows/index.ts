export { searchWorkflow } from './search';
export { baselinesWorkflow } from './baselines';
export { scalingStudyWorkflow } from './scaling';
export { finalizeWorkflow } from './finalize';
export { referenceWorkflow } from './reference';
export { enasPhasesWorkflow } from './enas-phases';
export { enasSearchWorkflow } from './enas-search';
