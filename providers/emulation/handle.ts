/**
 * What every cloud emulator's `start…Emulator` returns, so the standalone command, the local
 * mode of the run command and the tests treat all three alike.
 */
import type { EmulatedCloud } from './instances';
import type { InstanceBacking } from './backing';

export interface EmulatorCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Keys the emulator accepts; requests signed with anything else get the cloud's auth error. */
  credentials: EmulatorCredentials[];
  /** Defaults to detectBacking(): Docker-backed instances when an engine and the base image are there. */
  backing?: InstanceBacking;
  /** Instance transition delays in ms (defaults are short, for tests and local use). */
  delays?: Partial<Record<'create' | 'start' | 'stop' | 'reboot' | 'delete', number>>;
}

export interface EmulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:43210; the control API is at `${url}/_emulator`. */
  url: string;
  port: number;
  cloud: EmulatedCloud;
  /**
   * Environment variables that point this cloud's adapter at the emulator with the given key
   * (e.g. ALIYUN_ACCESS_KEY_ID, ALIYUN_ACCESS_KEY_SECRET, ALIYUN_ENDPOINT, ALIYUN_REGION).
   */
  providerEnv(credentials: EmulatorCredentials): Record<string, string>;
  close(): Promise<void>;
}
