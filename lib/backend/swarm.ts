// The node backend of a Docker Swarm: each working node is a service of one task, placed by Swarm
// on one of its hosts. Placement, the overlay network, secrets and host membership are Swarm's;
// starting, stopping and replacing nodes stays with ec4docker (restart-condition none: Swarm
// never starts again a task that ended or that ec4docker removed).
import { type Config, nodeImageRef } from '../core/config.ts';
import { clusterFilter, LABEL_CLUSTER, LABEL_MIDDLEWARE, LABEL_NODE, LABEL_ROLE, NODE_CAPS, NODE_SECRET_FILES, swarmSecretName } from '../core/names.ts';
import { docker, dockerFailure, dockerTry } from '../io/docker.ts';
import { type NodeBackend, type NodeInstance, startedRecently } from './types.ts';

/**
 * The node's /home over NFSv4 from the cluster's server: a volume without a name (gone with its
 * task) that the host's engine mounts, so the node needs no capability to mount. The host needs an
 * NFS client in its kernel. (`--mount` is CSV: the options list is quoted whole.)
 */
export const nfsHomeMount = (address: string): string =>
  `type=volume,dst=/home,volume-driver=local,volume-opt=type=nfs,"volume-opt=o=addr=${address},nfsvers=4.1,rw",volume-opt=device=:/home`;

/** `docker service create` arguments for one node. Pure. */
export function nodeServiceArgs(config: Config, node: string): string[] {
  const labels = [`${LABEL_CLUSTER}=${config.serverName}`, `${LABEL_ROLE}=node`, `${LABEL_MIDDLEWARE}=${config.middleware}`, `${LABEL_NODE}=${node}`];
  const home = config.sharedHome.kind === 'bind' ? ['--mount', `type=bind,src=${config.sharedHome.path},dst=/home`]
    : config.sharedHome.kind === 'nfs' ? ['--mount', nfsHomeMount(config.nfsAddress)] : [];
  return [
    'service', 'create', '--detach', '--quiet', '--no-resolve-image', '--name', node, '--hostname', node,
    // dnsrr: the name resolves to the task itself (a virtual IP needs IPVS, which not every host has)
    '--network', `name=${config.network},alias=${node}`, '--endpoint-mode', 'dnsrr',
    '--restart-condition', 'none', '--init',
    ...labels.flatMap((l) => ['--label', l]), ...labels.flatMap((l) => ['--container-label', l]),
    '--cap-drop', 'ALL', ...NODE_CAPS.flatMap((cap) => ['--cap-add', cap]),
    '--limit-pids', String(config.nodePids), ...(config.nodeMemory ? ['--limit-memory', config.nodeMemory] : []),
    ...(config.nodeCpuLimit > 0 ? ['--limit-cpu', String(config.nodeCpuLimit)] : []),
    ...NODE_SECRET_FILES.flatMap((file) => ['--secret', `source=${swarmSecretName(config, file)},target=/etc/ec4docker/secrets/${file},mode=0400`]),
    ...home,
    ...config.swarmConstraints.flatMap((c) => ['--constraint', c]),
    '-e', `EC4DOCK_SERVERNAME=${config.serverName}`,
    nodeImageRef(config),
  ];
}

/** One line of `docker service ps --format '{{json .}}'`. */
export interface SwarmTask {
  Name: string; // <service>.<slot>
  Node: string; // the host's name
  CurrentState: string; // 'Running 5 seconds ago', 'Preparing 8 seconds ago', 'Failed 13 seconds ago'
  DesiredState: string; // Running | Shutdown
  Error: string;
}

/** One line of `docker node ls --format '{{json .}}'`. */
export interface SwarmHost {
  Hostname: string;
  Status: string; // Ready | Down | Unknown | Disconnected
}

/** A node's state from its task, as a container's would read: running, created (on its way), exited. */
export function taskState(task: SwarmTask | undefined, hosts: Map<string, string>): string {
  if (task === undefined) return 'created'; // the service exists, Swarm has not made its task yet
  const current = task.CurrentState.split(' ')[0].toLowerCase();
  if (['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'].includes(current)) return 'created';
  if (current !== 'running') return 'exited';
  // A host that left the Swarm (stopped, cut off) still shows its last report: its nodes are gone.
  return hosts.get(task.Node) === 'Ready' ? 'running' : 'exited';
}

/** Each node's instance from the cluster's services, their tasks and the Swarm's hosts. Pure. */
export function swarmInstances(services: Map<string, string>, tasks: SwarmTask[], hosts: SwarmHost[]): Map<string, NodeInstance> {
  const status = new Map(hosts.map((h) => [h.Hostname, h.Status]));
  const out = new Map<string, NodeInstance>();
  for (const [node, id] of services) {
    // One replica, never restarted: its task is the one Swarm wants running, else the newest.
    const own = tasks.filter((t) => t.Name.replace(/\.[0-9]+$/, '') === node);
    const task = own.find((t) => t.DesiredState === 'Running') ?? own[0];
    out.set(node, { id, state: taskState(task, status), ...(task ? { host: task.Node } : {}) });
  }
  return out;
}

const jsonLines = <T>(text: string): T[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);

/** The backend of the Swarm whose manager DOCKER_HOST (or the default engine) is, for one cluster. */
export function swarmBackend(config: Config): NodeBackend {
  /** The cluster's node services, by node name (from their label): another's service is never touched. */
  async function services(node?: string): Promise<Map<string, string>> {
    const filter = [...clusterFilter(config.serverName, 'node'), ...(node ? ['--filter', `label=${LABEL_NODE}=${node}`] : [])];
    const out = await docker(['service', 'ls', ...filter, '--format', '{{json .}}'], 'list node services');
    const found = jsonLines<{ ID: string; Name: string }>(out);
    return new Map(found.map((s) => [s.Name, s.ID]));
  }
  /** The tasks of the services; a service removed meanwhile fails a joint listing: then one by one, the gone ones left out. */
  async function tasksOf(ids: string[]): Promise<{ tasks: SwarmTask[]; gone: Set<string> }> {
    const ps = (which: string[]) => dockerTry(['service', 'ps', '--no-trunc', '--format', '{{json .}}', ...which], undefined, 'query');
    const all = await ps(ids);
    if (all.exitCode === 0) return { tasks: jsonLines<SwarmTask>(all.stdout), gone: new Set() };
    const each = await Promise.all(ids.map(async (id) => [id, await ps([id])] as const));
    const gone = new Set(each.filter(([, r]) => /no such service/i.test(r.stderr)).map(([id]) => id));
    const failed = each.find(([id, r]) => r.exitCode !== 0 && !gone.has(id));
    if (failed) throw dockerFailure(['service', 'ps'], 'list node tasks', failed[1]);
    return { tasks: each.flatMap(([, r]) => (r.exitCode === 0 ? jsonLines<SwarmTask>(r.stdout) : [])), gone };
  }
  async function list(): Promise<Map<string, NodeInstance>> {
    const own = await services();
    if (own.size === 0) return new Map();
    const [{ tasks, gone }, hosts] = await Promise.all([tasksOf([...own.values()]), docker(['node', 'ls', '--format', '{{json .}}'], 'list the Swarm hosts')]);
    const live = new Map([...own].filter(([, id]) => !gone.has(id)));
    return swarmInstances(live, tasks, jsonLines<SwarmHost>(hosts));
  }
  async function remove(node: string, madeBefore?: number): Promise<void> {
    let ids = [...(await services(node)).values()];
    if (ids.length > 0 && madeBefore !== undefined) {
      const made = await docker(['service', 'inspect', '-f', '{{.ID}} {{json .CreatedAt}}', ...ids], `inspect node ${node}`);
      ids = made.split('\n').filter(Boolean).map((line) => line.split(' ')).filter(([, at]) => Date.parse(JSON.parse(at) as string) < madeBefore).map(([id]) => id);
    }
    if (ids.length === 0) return;
    const result = await dockerTry(['service', 'rm', ...ids]);
    if (result.exitCode !== 0 && !/not found/i.test(result.stderr)) throw dockerFailure(['service', 'rm'], `remove node ${node}`, result);
  }
  /** Whether the node's service was made within the power-on limit and its task is on its way or running. */
  async function bootingNow(node: string): Promise<boolean> {
    const own = (await list()).get(node);
    if (!own || !['created', 'running'].includes(own.state)) return false;
    const created = await docker(['service', 'inspect', '-f', '{{json .CreatedAt}}', own.id], `inspect node ${node}`);
    return startedRecently(JSON.parse(created) as string, Date.now(), config.maxWaitPowerOnSeconds);
  }
  async function lastLog(node: string): Promise<string> {
    const result = await dockerTry(['service', 'ps', '--no-trunc', '--format', '{{.Error}}', node], undefined, 'query');
    const error = result.exitCode === 0 ? result.stdout.split('\n').find(Boolean) ?? '' : '';
    if (error) return error;
    const logs = await dockerTry(['service', 'logs', '--raw', '--tail', '3', node], undefined, 'logs');
    return logs.exitCode === 0 ? (`${logs.stdout}\n${logs.stderr}`.trim().split('\n').at(-1) ?? '') : '';
  }
  return {
    prepare: async () => undefined, // nothing to make ahead: Swarm attaches each task to the network
    async start(node) {
      // Try first, mend what failed: a stale service of this node (a failed power-on, a lost host).
      const args = nodeServiceArgs(config, node);
      let result = await dockerTry(args);
      if (result.exitCode !== 0 && /already exists|name conflicts/i.test(result.stderr)) {
        // Asked again while it boots (clues-monitor and slurm-resume may both start it): left to boot.
        if (await bootingNow(node)) return;
        await remove(node);
        result = await dockerTry(args);
      }
      if (result.exitCode !== 0) throw dockerFailure(args, `start node ${node}`, result);
    },
    remove,
    list,
    async removeOrphan(node) {
      if ((await services(node)).size === 0) return undefined;
      const log = await lastLog(node);
      await remove(node);
      return { log };
    },
    lastLog,
  };
}
