/** The cloud emulators by provider type: one table for the standalone command, local mode and tests. */
import { startAliyunEmulator } from '../aliyun/emulator';
import { startChinaMobileEmulator } from '../chinamobile/emulator';
import { startTencentEmulator } from '../tencent/emulator';
import type { EmulatorHandle, EmulatorOptions } from './handle';

export const CLOUD_EMULATORS = {
  chinamobile: startChinaMobileEmulator,
  aliyun: startAliyunEmulator,
  tencent: startTencentEmulator,
} as const satisfies Record<string, (opts: EmulatorOptions) => Promise<EmulatorHandle>>;

export type EmulatedCloudType = keyof typeof CLOUD_EMULATORS;
export const EMULATED_CLOUDS = Object.keys(CLOUD_EMULATORS) as EmulatedCloudType[];
