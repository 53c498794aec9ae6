/**
 * Where a service on this host must listen for Docker boxes to reach it: the gateway of Docker's
 * default bridge network (docker0, usually 172.17.0.1). Boxes made by the Docker provider and the
 * emulated clouds' Docker-backed instances are all on that network and route to the host through
 * it; the host itself reaches the address too. Loopback would not do (a container's 127.0.0.1 is
 * its own), and 0.0.0.0 would expose the relay beyond this machine.
 */
import os from 'node:os';
import Docker from 'dockerode';

export async function dockerBridgeAddress(docker: Docker = new Docker()): Promise<string> {
  const bridge = (await docker.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> };
    Options?: Record<string, string>;
  };
  const config = bridge.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
  if (config?.Gateway) return config.Gateway;
  // Older engines leave Gateway out of the default bridge's IPAM: read the bridge interface.
  const ifname = bridge.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const address = os.networkInterfaces()[ifname]?.find((a) => a.family === 'IPv4');
  if (address) return address.address;
  throw new Error(`cannot tell the Docker bridge's gateway address (no Gateway in its IPAM config, no ${ifname} interface here)`);
}
