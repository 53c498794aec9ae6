/**
 * The cloud-neutral emulation core. A cloud emulator (providers/<cloud>/emulator.ts) owns only
 * its wire protocol; this core owns everything else.
 *
 * The cloud layer, per request:
 *   1. parse the request and verify the cloud's real signature (its own error on failure);
 *   2. `cloud.admit(action, accessKey)` — throttle, then injected faults — and render a
 *      non-'none' decision its own way (throttling error, 5xx, error envelope; 'hang' = never answer);
 *   3. call the EmulatedCloud operation (create/get/list/start/stop/reboot/delete) with neutral
 *      arguments, catch EmulatorError and map its neutral code to the cloud's code + status;
 *   4. render instances with the cloud's field names and status strings, with a request id
 *      from mintRequestId/EmulatorRequestIds.
 * And once: `app.use(CONTROL_PREFIX, createControlRouter(cloud))` before its own routes, then
 * `startEmulatorServer({ app })`; `detectBacking({ cloud })` picks Docker-backed instances
 * (real SSH on <127.77.x.y>:22) or address-only ones.
 *
 * The core: instance records and the timed state machine (delays, stuck transitions, failed
 * launches), client-token idempotency, stock per region/zone/type, per-region quotas,
 * throttling, fault injection, the control API and its client, Docker backing, the HTTP server.
 */
export * from './errors';
export * from './instances';
export * from './faults';
export * from './throttle';
export * from './backing';
export type { DockerBackingOptions } from './dockerBacking';
export { DockerBacking, sshBanner, LABEL_EMULATED, LABEL_INSTANCE_ID, LABEL_SSH_IP } from './dockerBacking';
export * from './control';
export * from './controlClient';
export * from './server';
export * from './handle';
