/**
 * Runs the Happy relay emulator standalone:
 *
 *   npx tsx happy/relay/cli.ts [--bridge | --host ADDR] [--port 3005] [--state FILE]
 *
 * --bridge listens on the Docker bridge's gateway, where boxes reach it. Prints the
 * HAPPY_SERVER_URL that points the platform (and so every box's happy.env) at it; the control
 * API is at <url>/_emulator. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { runStandalone } from '../../providers/emulation/server';
import { dockerBridgeAddress, startHappyRelay } from './index';

async function main() {
  const { values } = parseArgs({
    options: {
      bridge: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      state: { type: 'string' },
    },
  });
  const host = values.bridge ? await dockerBridgeAddress() : values.host;
  const relay = await startHappyRelay({ host, port: Number(values.port), stateFile: values.state });
  process.stdout.write(`Happy relay emulator on ${relay.url} (control API: ${relay.controlUrl})\nexport HAPPY_SERVER_URL='${relay.url}'\n`);
  return relay;
}

runStandalone(main);
