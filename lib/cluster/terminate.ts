// setup-cluster -t: removes a cluster, nodes first, as Compose's down goes in reverse order.
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { clusterFilter, KEPT_VOLUME_ROLES, LABEL_MIDDLEWARE, LABEL_ROLE, type Role } from '../core/names.ts';
import { type ContainerSummary, docker, dockerTry, listContainers, listNamed, removeContainers } from '../io/docker.ts';
import { MIDDLEWARES } from '../middleware/registry.ts';
import { removeSwarmObjects, swarmResources } from './swarm.ts';

export interface TerminateOptions {
  purge: boolean; // remove the users' /home volume too
  yes: boolean; // terminate even with jobs queued
  confirm: (question: string) => Promise<boolean>;
}

/** Number of jobs the cluster's scheduler holds, or 0 if the frontend does not answer. */
async function queuedJobs(frontend: ContainerSummary): Promise<number> {
  // The frontend's label, not the config: `-t -s NAME` alone names no middleware.
  const middleware = MIDDLEWARES.find((m) => m.name === frontend.labels[LABEL_MIDDLEWARE]) ?? MIDDLEWARES[0];
  const result = await dockerTry(['exec', frontend.name, ...middleware.jobList.argv], undefined, 'query');
  return result.exitCode === 0 ? middleware.jobList.count(result.stdout) : 0;
}

/** Removes the cluster's containers, networks and volumes (the home volume only with purge); prints what went. */
export async function terminateCluster(config: Config, options: TerminateOptions): Promise<void> {
  const name = config.serverName;
  const containers = await listContainers(clusterFilter(name));
  const frontend = containers.find((c) => c.labels[LABEL_ROLE] === 'frontend' && c.state === 'running');
  const jobs = frontend ? await queuedJobs(frontend) : 0;
  if (jobs > 0 && !options.yes && !(await options.confirm(`Cluster ${name} has ${jobs} job(s) queued or running; they will be lost. Terminate it?`))) {
    throw new UserError(`cluster ${name} has ${jobs} job(s) queued or running; wait for them, or terminate anyway with -y`);
  }
  // Nodes first, then the frontend (it would otherwise start them again), then the accounting
  // database (the frontend sends it the last job records as it stops).
  // On a Swarm, the node services go first, wherever their hosts are.
  const swarm = await swarmResources(name);
  await removeSwarmObjects('service', swarm.services.map((s) => s.name));
  const last: Role[] = ['frontend', 'db'];
  const withRole = (role: Role | undefined) => containers.filter((c) => (role ? c.labels[LABEL_ROLE] === role : !last.includes(c.labels[LABEL_ROLE] as Role))).map((c) => c.id);
  await removeContainers(withRole(undefined));
  for (const role of last) await removeContainers(withRole(role));
  // A node started while we removed the others would hold the network: sweep once more.
  await removeContainers((await listContainers(clusterFilter(name))).map((c) => c.id));
  await removeSwarmObjects('secret', swarm.secrets.map((s) => s.name));
  const networks = await listNamed('network', clusterFilter(name));
  for (const n of networks) await docker(['network', 'rm', n.name], `remove network ${n.name}`);
  const volumes = await listNamed('volume', clusterFilter(name));
  const kept: string[] = [];
  for (const v of volumes) {
    if (KEPT_VOLUME_ROLES.includes(v.labels[LABEL_ROLE] as Role) && !options.purge) {
      kept.push(`${v.name} (${v.labels[LABEL_ROLE] === 'home' ? "the users' /home" : 'the job accounting database'})`);
      continue;
    }
    await docker(['volume', 'rm', v.name], `remove volume ${v.name}`);
  }
  const removed = containers.length + networks.length + volumes.length - kept.length + swarm.services.length + swarm.secrets.length;
  if (removed === 0 && kept.length === 0) {
    console.log(`setup-cluster: warning: no resources found for cluster ${name}`);
    return;
  }
  const onSwarm = swarm.services.length + swarm.secrets.length > 0 ? `, ${swarm.services.length} service(s), ${swarm.secrets.length} secret(s)` : '';
  console.log(`cluster ${name} terminated: ${containers.length} container(s), ${networks.length} network(s), ${volumes.length - kept.length} volume(s)${onSwarm} removed`);
  if (kept.length) console.log(`kept ${kept.length === 1 ? 'volume' : 'volumes'} ${kept.join(', ')}; reused by the next cluster named ${name}. Remove ${kept.length === 1 ? 'it' : 'them'} with: setup-cluster -t --purge -s ${name}`);
}
