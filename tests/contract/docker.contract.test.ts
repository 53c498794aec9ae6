import Docker from 'dockerode';
import { DockerProvider } from '../../providers/docker/adapter';
import { LABEL_PROJECT } from '../../providers/docker/boxContainer';
import { runContractSuite } from './contractSuite';

async function dockerProvider(options: Record<string, unknown> = {}) {
  const p = new DockerProvider();
  await p.initialize({ type: 'docker', options: { stopTimeoutSeconds: 2, ...options } });
  return p;
}

runContractSuite(
  'docker',
  async () => {
    let provider = await dockerProvider();
    return {
      get provider() {
        return provider;
      },
      spec: { cpu: 1, memory: 1, disk: 10 },
      realSsh: true,
      // Host capacity is Docker's stock: a limit at today's count leaves no room.
      async exhaustStock() {
        const count = (await new Docker().listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=vibebox`] } })).length;
        provider = await dockerProvider({ maxContainers: count });
      },
      async restoreStock() {
        provider = await dockerProvider();
      },
      close: async () => undefined,
    };
  },
  ['stock'],
);
