// setup-cluster -l: everything a cluster owns, found by its label.
import type { Config } from '../core/config.ts';
import { clusterFilter, isSpare, LABEL_ROLE } from '../core/names.ts';
import { listContainers, listNamed } from '../io/docker.ts';
import { swarmResources } from './swarm.ts';

/** The rows of `setup-cluster -l` (KIND NAME ROLE STATE), or none when the cluster has nothing. */
export async function clusterResources(config: Config): Promise<string[][]> {
  const filter = clusterFilter(config.serverName);
  const [containers, networks, volumes, swarm] = await Promise.all([
    listContainers(filter), listNamed('network', filter), listNamed('volume', filter), swarmResources(config.serverName),
  ]);
  return [
    ...swarm.services.map((s) => ['service', s.name, 'node', '']),
    ...swarm.secrets.map((s) => ['secret', s.name, 'secrets', '']),
    ...containers.map((c) => ['container', c.name, c.labels[LABEL_ROLE] ?? '', isSpare(c) ? 'spare' : c.state]),
    ...networks.map((n) => ['network', n.name, 'network', '']),
    ...volumes.map((v) => ['volume', v.name, v.labels[LABEL_ROLE] ?? '', '']),
  ];
}
