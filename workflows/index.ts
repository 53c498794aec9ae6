/** The worker's workflow bundle entry point. */
export { vibeBoxWorkflow } from './vibebox';
export { providerHealthWorkflow } from './providerHealth';
export { reconcilerWorkflow, reconcileRegionWorkflow } from './reconciler';
