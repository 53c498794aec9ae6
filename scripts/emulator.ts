/**
 * Runs one cloud emulator standalone:
 *
 *   npx tsx scripts/emulator.ts <chinamobile|aliyun|tencent> [--port 9000]
 *       [--access-key-id ID] [--access-key-secret SECRET] [--backing docker|none] [--state FILE]
 *
 * Prints the endpoint and the environment that points the platform's adapter at it; the control
 * API is at <url>/_emulator. Ctrl-C stops it and removes any containers it made — unless it keeps
 * its state (--state FILE): then it saves the state and leaves its instances' containers for the
 * next run over the same file, which adopts them (and resumes any transition a crash cut short).
 */
import { parseArgs } from 'node:util';
import { CLOUD_EMULATORS, EMULATED_CLOUDS, EmulatedCloudType } from '../providers/cloudEmulators';
import { runStandalone } from '../providers/emulation/server';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'access-key-id': { type: 'string', default: 'emulator-key' },
      'access-key-secret': { type: 'string', default: 'emulator-secret' },
      backing: { type: 'string' },
      state: { type: 'string' },
    },
  });
  const cloud = positionals[0] as EmulatedCloudType | undefined;
  if (!cloud || !EMULATED_CLOUDS.includes(cloud)) {
    process.stderr.write(`usage: scripts/emulator.ts <${EMULATED_CLOUDS.join('|')}> [--port N] [--access-key-id ID] [--access-key-secret S] [--backing docker|none] [--state FILE]\n`);
    process.exit(2);
  }
  const credentials = { accessKeyId: values['access-key-id'], accessKeySecret: values['access-key-secret'] };
  const emulator = await CLOUD_EMULATORS[cloud]({
    port: Number(values.port),
    host: values.host,
    credentials: [credentials],
    // Default: Docker-backed when an engine and the base image are there; 'docker' insists, 'none' refuses.
    backingOverride: values.backing,
    statePath: values.state,
  });
  process.stdout.write(`${cloud} emulator on ${emulator.url} (control API: ${emulator.url}/_emulator)\n`);
  for (const [k, v] of Object.entries(emulator.providerEnv(credentials))) process.stdout.write(`export ${k}='${v}'\n`);
  return emulator;
}

runStandalone(main);
