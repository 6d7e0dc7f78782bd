// The node backend of a Docker Swarm: each working node is a service of one task, placed by Swarm
// on one of its hosts. Placement, the overlay network, secrets and host membership are Swarm's;
// starting, stopping and replacing nodes stays with ec4docker (restart-condition none: Swarm
// never starts again a task that ended or that ec4docker removed).
import { type Config, memoryBytes, nodeImageRef } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { clusterFilter, LABEL_NODE, NODE_CAPS, NODE_SECRET_FILES, resourceLabels, swarmSecretName } from '../core/names.ts';
import { dockerTry } from '../io/docker.ts';
import { type ApiAnswer, engineRequest, filtersParam } from '../io/engine-api.ts';
import { tcpProbe } from '../io/probe.ts';
import { afterProbe, type Hearing, hostsToAvoid, isLost } from './hearing.ts';
import { CUT_OFF, type NodeBackend, type NodeInstance, startedRecently } from './types.ts';

// Where a node is probed: a port nothing listens on, so that its kernel answers with a refusal
// and no daemon logs a stray connection. A probe waits this long for it.
const PROBE_PORT = 9;
const PROBE_TIMEOUT_MS = 2_000;
// A host is avoided this long after a node there was last found lost, at most: Swarm marks a
// silent host down within some 10-15 s (its default heartbeat), and avoids it itself from then on.
const AVOID_SILENT_HOST_MS = 20_000;

/**
 * The node's /home over NFSv4 from the cluster's server: a volume without a name (gone with its
 * task) that the host's engine mounts, so the node needs no capability to mount. The host needs an
 * NFS client in its kernel.
 */
export const nfsHomeMount = (address: string) => ({
  Type: 'volume', Target: '/home',
  VolumeOptions: { DriverConfig: { Name: 'local', Options: { device: ':/home', o: `addr=${address},nfsvers=4.1,rw`, type: 'nfs' } } },
});

/**
 * The service of one node, as the Engine API takes it (`POST /services/create`): the body the
 * docker CLI sends for the same node (test/fixtures/docker), its defaults included. `network`
 * and `secretIds` (by secret name) are the ids or names the engine knows them by; `avoid`, the
 * ids of hosts it must not be placed on. Pure.
 */
export function nodeService(config: Config, node: string, network: string, secretIds: Map<string, string>, avoid: string[] = []) {
  const constraints = [...config.swarmConstraints, ...avoid.map((id) => `node.id!=${id}`)];
  const labels = resourceLabels(config, 'node', node);
  const home = config.sharedHome.kind === 'bind' ? [{ Type: 'bind', Source: config.sharedHome.path, Target: '/home' }]
    : config.sharedHome.kind === 'nfs' ? [nfsHomeMount(config.nfsAddress)] : [];
  return {
    Name: node,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: nodeImageRef(config),
        Labels: labels,
        Hostname: node,
        Env: [`EC4DOCK_SERVERNAME=${config.serverName}`],
        Init: true,
        Mounts: home,
        DNSConfig: {},
        Secrets: NODE_SECRET_FILES.map((file) => {
          const name = swarmSecretName(config, file);
          return { File: { Name: `/etc/ec4docker/secrets/${file}`, UID: '0', GID: '0', Mode: 0o400 }, SecretID: secretIds.get(name) ?? name, SecretName: name };
        }),
        CapabilityAdd: NODE_CAPS.map((cap) => `CAP_${cap}`).sort(),
        CapabilityDrop: ['ALL'],
      },
      Resources: {
        Limits: { ...(config.nodeMemory ? { MemoryBytes: memoryBytes(config.nodeMemory) } : {}), ...(config.nodeCpuLimit > 0 ? { NanoCPUs: Math.round(config.nodeCpuLimit * 1e9) } : {}), Pids: config.nodePids },
        Reservations: {},
      },
      // Never restarted: a task that ended, or that ec4docker removed, stays so (a vanished node).
      RestartPolicy: { Condition: 'none', Delay: 5_000_000_000, MaxAttempts: 0 },
      Placement: constraints.length > 0 ? { Constraints: constraints } : {},
      Networks: [{ Target: network, Aliases: [node] }],
      ForceUpdate: 0,
    },
    Mode: { Replicated: {} }, // one task
    // dnsrr: the name resolves to the task itself (a virtual IP needs IPVS, which not every host has)
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

/** A service as `GET /services` gives it, in the fields read here. */
export interface ApiService {
  ID: string;
  CreatedAt: string;
  Spec: { Name: string };
}

/** A task as `GET /tasks` gives it, in the fields read here. */
export interface ApiTask {
  ID?: string;
  ServiceID: string;
  NodeID?: string; // the host, once Swarm placed it
  DesiredState: string; // running | shutdown | ...
  Status: { State: string; Err?: string }; // new ... preparing, starting, running, complete, failed, rejected, ...
  NetworksAttachments?: Array<{ Network?: { Spec?: { Name?: string } }; Addresses?: string[] }>; // "10.0.1.5/24"
}

/** A Swarm host as `GET /nodes` gives it, in the fields read here. */
export interface ApiHost {
  ID: string;
  Description?: { Hostname?: string };
  Status: { State: string }; // ready | down | unknown | disconnected
}

const ON_ITS_WAY = ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'];

/**
 * A node's state from its task, as a container's would read: running, created (on its way),
 * exited, or CUT_OFF when the task's id is in `lost` (it no longer answers the frontend).
 */
export function taskState(task: ApiTask | undefined, hosts: Map<string, ApiHost>, lost: Set<string> = new Set()): string {
  if (task === undefined) return 'created'; // the service exists, Swarm has not made its task yet
  if (ON_ITS_WAY.includes(task.Status.State)) return 'created';
  if (task.Status.State !== 'running') return 'exited';
  // A host that left the Swarm (stopped, cut off) still shows its last report: its nodes are gone.
  if (hosts.get(task.NodeID ?? '')?.Status.State !== 'ready') return 'exited';
  return lost.has(task.ID ?? '') ? CUT_OFF : 'running';
}

/** The task's address on `network` (without its prefix length), where the frontend reaches it. */
export function taskAddress(task: ApiTask, network: string): string | undefined {
  const attached = task.NetworksAttachments ?? [];
  const on = attached.find((a) => a.Network?.Spec?.Name === network) ?? (attached.length === 1 ? attached[0] : undefined);
  return on?.Addresses?.[0]?.split('/')[0];
}

/** Each node's instance from the cluster's services, their tasks and the Swarm's hosts. Pure. */
export function swarmInstances(services: ApiService[], tasks: ApiTask[], hosts: ApiHost[], lost: Set<string> = new Set()): Map<string, NodeInstance> {
  const byId = new Map(hosts.map((h) => [h.ID, h]));
  const out = new Map<string, NodeInstance>();
  for (const service of services) {
    // One replica, never restarted: its task is the one Swarm wants running, else the newest.
    const own = tasks.filter((t) => t.ServiceID === service.ID);
    const task = own.find((t) => t.DesiredState === 'running') ?? own[0];
    const host = byId.get(task?.NodeID ?? '')?.Description?.Hostname;
    out.set(service.Spec.Name, { id: service.ID, state: taskState(task, byId, lost), ...(host ? { host } : {}) });
  }
  return out;
}

/** The ids of the hosts Swarm counts ready. */
const readyHosts = (hosts: ApiHost[]): Set<string> => new Set(hosts.filter((h) => h.Status.State === 'ready').map((h) => h.ID));

/** The body of a successful answer; a failure becomes a one-line UserError naming the action. */
function answered<T>(got: ApiAnswer, action: string): T {
  if (got.status >= 300) throw new UserError(`${action}: ${got.message || `status ${got.status}`}`);
  return got.body as T;
}

/**
 * The backend of the Swarm whose manager the frontend's gate reaches, for one cluster. It runs
 * only in the frontend (setup-cluster asks it nothing): every call is an Engine API request.
 */
export function swarmBackend(config: Config): NodeBackend {
  const get = async <T>(path: string, action: string): Promise<T> => answered<T>(await engineRequest('GET', path), action);
  /** The cluster's node services (by label): another's service is never touched. */
  const services = (node?: string): Promise<ApiService[]> =>
    get(`/services?filters=${filtersParam([...clusterFilter(config.serverName, 'node'), ...(node ? ['--filter', `label=${LABEL_NODE}=${node}`] : [])])}`, 'list node services');
  /** The tasks of the given services. */
  const tasksOf = (services: ApiService[]): Promise<ApiTask[]> =>
    get(`/tasks?filters=${filtersParam(services.flatMap((s) => ['--filter', `service=${s.ID}`]))}`, 'list node tasks');
  async function list(): Promise<Map<string, NodeInstance>> {
    const own = await services();
    if (own.length === 0) {
      // No node anywhere, but hosts still avoided: see whether Swarm has marked them down since.
      if (silentHosts.size > 0) silentHosts = hostsToAvoid(silentHosts, [], readyHosts(await get<ApiHost[]>('/nodes', 'list the Swarm hosts')), Date.now(), AVOID_SILENT_HOST_MS);
      return new Map();
    }
    const [tasks, hosts] = await Promise.all([
      tasksOf(own),
      get<ApiHost[]>('/nodes', 'list the Swarm hosts'),
    ]);
    // A service without a task may have been removed since the listing: kept only if still listed.
    const taskless = own.filter((s) => !tasks.some((t) => t.ServiceID === s.ID));
    const listed = taskless.length === 0 ? own : await services();
    const live = own.filter((s) => !taskless.includes(s) || listed.some((l) => l.ID === s.ID));
    const lost = lostTasks(tasks);
    const byId = new Map(hosts.map((h) => [h.ID, h]));
    const running = tasks.filter((t) => taskState(t, byId) === 'running');
    const placed = running.flatMap((t) => (t.NodeID ? [{ host: t.NodeID, lost: lost.has(t.ID ?? ''), heard: hearings.get(t.ID ?? '')?.misses === 0 }] : []));
    silentHosts = hostsToAvoid(silentHosts, placed, readyHosts(hosts), Date.now(), AVOID_SILENT_HOST_MS);
    listen(running);
    return swarmInstances(live, tasks, hosts, lost);
  }
  // What the probes of each running task heard, by task id: kept while this process lives (the
  // monitor lists every second); a process that lists once, or a new one, has heard no silence.
  const hearings = new Map<string, Hearing>();
  const probing = new Set<string>();
  let listed = new Set<string>(); // the tasks running at the last listing: a late probe of another is dropped
  let silentHosts = new Map<string, number>(); // hosts new nodes avoid (hostsToAvoid)
  const lostTasks = (tasks: ApiTask[]): Set<string> =>
    new Set(tasks.flatMap((t) => (t.ID && isLost(hearings.get(t.ID), Date.now(), config.swarmLostAfterSeconds * 1000) ? [t.ID] : [])));
  /** Probes each running task once more (one probe at a time each), in the background. */
  function listen(running: ApiTask[]): void {
    if (config.swarmLostAfterSeconds === 0) return;
    listed = new Set(running.flatMap((t) => (t.ID ? [t.ID] : [])));
    for (const id of hearings.keys()) if (!listed.has(id)) hearings.delete(id);
    for (const task of running) {
      const address = taskAddress(task, config.network);
      const id = task.ID;
      if (!id || !address || probing.has(id)) continue;
      probing.add(id);
      const sentAt = Date.now();
      void tcpProbe(address, PROBE_PORT, PROBE_TIMEOUT_MS).then((outcome) => {
        probing.delete(id);
        if (listed.has(id)) hearings.set(id, afterProbe(hearings.get(id), outcome, sentAt));
      });
    }
  }
  async function remove(node: string, madeBefore?: number): Promise<void> {
    const gone = (await services(node)).filter((s) => madeBefore === undefined || Date.parse(s.CreatedAt) < madeBefore);
    for (const service of gone) {
      const got = await engineRequest('DELETE', `/services/${encodeURIComponent(service.ID)}`);
      if (got.status !== 404) answered(got, `remove node ${node}`);
    }
  }
  /** Whether the node's service was made within the power-on limit and its task is on its way or running. */
  async function bootingNow(node: string): Promise<boolean> {
    const own = (await list()).get(node);
    if (!own || !['created', 'running'].includes(own.state)) return false;
    const made = (await services(node)).find((s) => s.ID === own.id);
    return made !== undefined && startedRecently(made.CreatedAt, Date.now(), config.maxWaitPowerOnSeconds);
  }
  async function lastLog(node: string): Promise<string> {
    const own = await services(node).catch(() => []);
    const tasks = own.length > 0 ? await tasksOf(own.slice(0, 1)).catch(() => []) : [];
    const error = tasks.find((t) => t.Status.Err)?.Status.Err ?? '';
    if (error) return error;
    // the logs stay the CLI's: a failure's path, and the API's log stream is framed
    const logs = await dockerTry(['service', 'logs', '--raw', '--tail', '3', node], undefined, 'logs');
    return logs.exitCode === 0 ? (`${logs.stdout}\n${logs.stderr}`.trim().split('\n').at(-1) ?? '') : '';
  }
  /** The ids of the cluster's node secrets, by name (the gate checks that they are the cluster's). */
  async function secretIds(): Promise<Map<string, string>> {
    const names = NODE_SECRET_FILES.map((file) => swarmSecretName(config, file));
    const found = await get<Array<{ ID: string; Spec: { Name: string } }>>(`/secrets?filters=${filtersParam(names.flatMap((n) => ['--filter', `name=${n}`]))}`, 'list the node secrets');
    return new Map(found.filter((s) => names.includes(s.Spec.Name)).map((s) => [s.Spec.Name, s.ID]));
  }
  return {
    prepare: async () => undefined, // nothing to make ahead: Swarm attaches each task to the network
    async start(node) {
      const spec = nodeService(config, node, config.network, await secretIds(), [...silentHosts.keys()]);
      const create = () => engineRequest('POST', '/services/create', spec);
      // Try first, mend what failed: a stale service of this node (a failed power-on, a lost host).
      let got = await create();
      if (got.status === 409 || /already exists|name conflicts/i.test(got.message)) {
        // Asked again while it boots (clues-monitor and slurm-resume may both start it): left to boot.
        if (await bootingNow(node)) return;
        await remove(node);
        got = await create();
      }
      answered(got, `start node ${node}`);
    },
    remove,
    list,
    async removeOrphan(node) {
      if ((await services(node)).length === 0) return undefined;
      const log = await lastLog(node);
      await remove(node);
      return { log };
    },
    lastLog,
  };
}
