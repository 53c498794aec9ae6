/**
 * Needs a running Docker engine and the VibeBox base image. The relay emulator must be reachable
 * from boxes: an emulated cloud's Docker-backed instance (the Docker provider's boxes are the
 * same kind of container on the same default bridge; tests/e2e/happyPairing pairs one) calls the
 * relay at the address dockerBridgeAddress() gives, as Happy in the box would.
 */
import Docker from 'dockerode';
import { dockerBridgeAddress, startHappyRelay } from '../../happy/relay';
import { dockerBackedTestCloud } from '../support/testCloud';

jest.setTimeout(180_000);

it('an emulated cloud instance reaches the relay on the Docker bridge address', async () => {
  const relay = await startHappyRelay({ host: await dockerBridgeAddress() });
  const cloud = await dockerBackedTestCloud();
  try {
    const id = cloud.create({ region: 'r1', instanceType: 't.small', imageId: 'any', password: 'Emu-Test-pass-42', tags: { suite: 'happy-relay' } }).instanceIds[0];
    const running = await cloud.waitForState(id, 'running', 90_000);
    const exec = await new Docker().getContainer(running!.backing.id!).exec({
      Cmd: ['curl', '-sS', '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"publicKey":"AA=="}', `${relay.url}/v1/auth/request`],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const output = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString('latin1')));
      stream.on('end', () => resolve(text));
    });
    // The relay's own refusal of a 1-byte key: the request went box → bridge → relay and back.
    expect(output).toContain('{"error":"Invalid public key"}');
  } finally {
    await cloud.reset();
    await relay.close();
  }
});
