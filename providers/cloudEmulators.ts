/**
 * The cloud emulators by provider type: one table for the standalone command
 * (scripts/emulator.ts), local mode (localClouds.ts), the contract tests and the benchmarks.
 * It sits above the clouds and the emulation core, and is where the two meet Docker: unless
 * the caller says otherwise, emulated instances are Docker containers answering SSH when an
 * engine and the base image are there (detectBacking), and address-only ones when not.
 */
import { startAliyunEmulator } from './aliyun/emulator';
import { startChinaMobileEmulator } from './chinamobile/emulator';
import { detectBacking, sessionOfState } from './docker/emulatorBacking';
import type { EmulatorHandle, EmulatorOptions, InstanceBacking } from './emulation';
import { startTencentEmulator } from './tencent/emulator';

const STARTERS = {
  chinamobile: startChinaMobileEmulator,
  aliyun: startAliyunEmulator,
  tencent: startTencentEmulator,
} as const satisfies Record<string, (opts: EmulatorOptions) => Promise<EmulatorHandle>>;

export type EmulatedCloudType = keyof typeof STARTERS;
export const EMULATED_CLOUDS = Object.keys(STARTERS) as EmulatedCloudType[];

export interface CloudEmulatorOptions extends Omit<EmulatorOptions, 'backing'> {
  /** Absent: detectBacking() (Docker when usable; VIBEBOX_EMULATOR_BACKING=none|docker decides). */
  backing?: InstanceBacking;
  /** 'none' | 'docker' | undefined (auto): passed to detectBacking; defaults to process.env.VIBEBOX_EMULATOR_BACKING. */
  backingOverride?: string;
}

export type CloudEmulatorStarter = (opts: CloudEmulatorOptions) => Promise<EmulatorHandle>;

/** With a state file, the containers carry a session label of that file's, so a restarted emulator adopts them. */
function withBacking(cloud: EmulatedCloudType): CloudEmulatorStarter {
  return async ({ backing, backingOverride, ...opts }) =>
    STARTERS[cloud]({
      ...opts,
      backing: backing ?? (await detectBacking({ cloud, override: backingOverride, session: opts.statePath && sessionOfState(opts.statePath) })),
    });
}

export const CLOUD_EMULATORS: Readonly<Record<EmulatedCloudType, CloudEmulatorStarter>> = {
  chinamobile: withBacking('chinamobile'),
  aliyun: withBacking('aliyun'),
  tencent: withBacking('tencent'),
};
