/**
 * Needs a running Docker engine and the VibeBox base image (the lead moves this to an
 * integration tier). An emulated instance must be a real container answering SSH on port 22
 * of the loopback address the emulated cloud reports — what an unmodified adapter dials.
 */
import Docker from 'dockerode';
import { sshBanner } from '../../providers/docker/emulatorBacking';
import { dockerBackedTestCloud } from '../support/testCloud';

jest.setTimeout(120_000);

it('backs an emulated instance with a container whose sshd answers on <ip>:22', async () => {
  const cloud = await dockerBackedTestCloud();
  try {
    const id = cloud.create({ region: 'r1', instanceType: 't.small', imageId: 'any', password: 'Emu-Test-pass-42', tags: { suite: 'emulation-docker' } })
      .instanceIds[0];
    const running = await cloud.waitForState(id, 'running', 90_000);
    expect(running?.backing).toMatchObject({ kind: 'docker', id: expect.any(String) });
    expect(running?.publicIp).toMatch(/^127\.77\.\d+\.\d+$/);
    expect(running?.sshPort).toBe(22);
    expect(await sshBanner(running!.publicIp!, 22)).toMatch(/^SSH-2\.0-/);

    const info = await new Docker().getContainer(running!.backing.id!).inspect();
    expect(info.Config.Labels).toMatchObject({ project: 'vibebox', 'vibebox.emulated': 'test', suite: 'emulation-docker' });

    cloud.stop(id, { force: true });
    await cloud.waitForState(id, 'stopped', 30_000);
    expect((await new Docker().getContainer(running!.backing.id!).inspect()).State.Running).toBe(false);

    cloud.delete(id);
    await cloud.waitForState(id, 'deleted', 30_000);
    await expect(new Docker().getContainer(running!.backing.id!).inspect()).rejects.toMatchObject({ statusCode: 404 });
  } finally {
    await cloud.reset();
  }
});
