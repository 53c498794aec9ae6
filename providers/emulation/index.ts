/**
 * The cloud-neutral emulation core. A cloud emulator (providers/<cloud>/emulator/) owns only
 * its wire protocol; this core owns everything else, and imports no cloud (the layer rule in
 * .dependency-cruiser.cjs fails the build if it does).
 *
 * The cloud layer, per request:
 *   1. parse the request and verify the cloud's real signature (its own error on failure);
 *   2. `cloud.admit(action, accessKey)` — throttle, then injected faults — and render a
 *      non-'none' decision its own way (throttling error, 5xx, error envelope; 'hang' = never
 *      answer), usually through `enforceDecision(decision, { throttled, serverError })`;
 *   3. call the EmulatedCloud operation (create/get/list/start/stop/reboot/delete) with neutral
 *      arguments, catch EmulatorError and map its neutral code to the cloud's code + status;
 *   4. render instances with the cloud's field names and status strings, with a request id
 *      from mintRequestId in the cloud's own style.
 * And once: `createEmulatorApp(cloud)` (the control API mounted) before its own routes, then
 * `serveEmulator(cloud, app, opts, providerEnv)` for the handle. What backs each instance
 * (nothing, or a Docker container with real SSH) is passed in: see providers/cloudEmulators.ts.
 *
 * The modules: model (states, instances, requests), catalog, emulatedCloud (the operations),
 * stateMachine (timed transitions), knobs (delays, stuck transitions, failed launches), stock,
 * quotas, clientTokens, ids, throttle, replayGuard, faults, backing, control + controlClient, server, handle,
 * stateFile (the state kept across restarts).
 */
export * from './errors';
export * from './model';
export * from './catalog';
export * from './emulatedCloud';
export { DEFAULT_DELAYS } from './knobs';
export { DEFAULT_STOCK } from './stock';
export { DEFAULT_QUOTA_PER_REGION } from './quotas';
export { lowerAlphanumericId, mintRequestId, type RequestIdStyle } from './ids';
export * from './faults';
export * from './throttle';
export * from './replayGuard';
export * from './backing';
export * from './control';
export * from './controlClient';
export * from './server';
export * from './handle';
export { StateFile, type EmulatorState } from './stateFile';
