/** The worker's workflow bundle entry point. */
export { vibeBoxWorkflow } from './vibebox';
export { reconcilerWorkflow, reconcileRegionWorkflow } from './reconciler';
