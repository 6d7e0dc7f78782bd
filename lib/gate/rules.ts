// What the engine gate lets the frontend do: the Docker API calls ec4docker needs on this
// cluster's node and netns containers, and nothing else. Pure: a request in, a verdict out.
import { type Config, nodeImageRef } from '../core/config.ts';
import { clusterNames, homeSource, NODE_SECRET_FILES, swarmSecretName, LABEL_CLUSTER, LABEL_NODE, LABEL_ROLE, netnsName, NODE_CAPS } from '../core/names.ts';

export interface GateRequest {
  method: string;
  path: string; // without the /vX.Y prefix and the query
  query: URLSearchParams;
  body?: unknown; // parsed JSON, for a create
}

/** What the gate does with a request. */
export type Verdict =
  | { kind: 'pass' } // forward as it is
  | { kind: 'pass-listing'; filters: string } // forward a container listing, with these filters
  | { kind: 'check-target'; id: string; roles: string[] } // forward if the container's labels are this cluster's, in one of these roles
  | { kind: 'check-network'; id: string } // forward if it is the cluster's network
  | { kind: 'check-service'; id: string } // forward if the service's labels make it a node of this cluster
  | { kind: 'check-refs'; network: string; secrets: string[] } // a node service: forward if its network and secret ids are the cluster's
  | { kind: 'deny'; why: string };

const deny = (why: string): Verdict => ({ kind: 'deny', why });

/** Splits "/v1.41/containers/json" into "/containers/json"; the API version is the CLI's business. */
export const unversioned = (path: string): string => path.replace(/^\/v[0-9.]+(?=\/)/, '');

/** The verdict on one API request. */
export function judge(config: Config, req: GateRequest): Verdict {
  const { method, path } = req;
  if ((method === 'GET' || method === 'HEAD') && (path === '/_ping' || path === '/version')) return { kind: 'pass' };
  if (method === 'GET' && path === '/containers/json') return { kind: 'pass-listing', filters: ownFilters(config, req.query.get('filters')) };
  if (method === 'POST' && path === '/containers/create') return checkCreate(config, req.query.get('name') ?? '', req.body);
  const container = /^\/containers\/([^/]+)(\/[a-z]+)?$/.exec(path);
  if (container) {
    const [, id, action = ''] = container;
    const allowed: Record<string, string> = { 'GET/json': 'inspect', 'GET/logs': 'logs', 'POST/start': 'start', 'DELETE': 'remove', 'POST/wait': 'wait' };
    if (allowed[`${method}${action}`]) return { kind: 'check-target', id: decodeURIComponent(id), roles: ['node', 'netns'] };
  }
  const network = /^\/networks\/([^/]+)$/.exec(path);
  if (network && method === 'GET') return { kind: 'check-network', id: decodeURIComponent(network[1]) };
  // The nodes' image, read: whether a node's spare container was made from it (lib/backend/engine.ts).
  const image = /^\/images\/(.+)\/json$/.exec(path);
  if (image && method === 'GET' && decodeURIComponent(image[1]) === config.workerImage) return { kind: 'pass' };
  if (config.orchestrator === 'swarm') return judgeSwarm(config, req);
  return deny(`${method} ${path} is not something ec4docker does`);
}

/**
 * On a Swarm: the node services of this cluster (made as swarm.ts makes them, read, removed), the
 * tasks and hosts they run on (read only), and the cluster's own secrets by name.
 */
function judgeSwarm(config: Config, req: GateRequest): Verdict {
  const { method, path } = req;
  if (method === 'GET' && (path === '/info' || path === '/tasks' || path === '/nodes' || /^\/nodes\/[^/]+$/.test(path))) return { kind: 'pass' };
  if (method === 'GET' && (path === '/services' || path === '/secrets')) return { kind: 'pass-listing', filters: ownFilters(config, req.query.get('filters')) };
  if (method === 'POST' && path === '/services/create') return checkServiceCreate(config, req.body);
  const service = /^\/services\/([^/]+)(\/logs)?$/.exec(path);
  if (service && (method === 'GET' || (method === 'DELETE' && !service[2]))) return { kind: 'check-service', id: decodeURIComponent(service[1]) };
  return deny(`${method} ${path} is not something ec4docker does`);
}

/**
 * A service create must make exactly a node of this cluster as swarm.ts makes it: its name, labels
 * and image, the cluster's network and secrets, /home and nothing else mounted, no capability
 * beyond a node's, no port published.
 */
export function checkServiceCreate(config: Config, body: unknown): Verdict {
  const spec = (body ?? {}) as Record<string, any>;
  const name = String(spec.Name ?? '');
  const node = clusterNames(config).nodes.find((n) => n === name);
  if (!node) return deny(`a service named ${JSON.stringify(name)} is not a node of cluster ${config.serverName}`);
  const task = spec.TaskTemplate ?? {};
  const container = task.ContainerSpec ?? {};
  for (const [what, labels] of [['service', spec.Labels], ['container', container.Labels]] as const) {
    if (labels?.[LABEL_CLUSTER] !== config.serverName || labels?.[LABEL_ROLE] !== 'node' || labels?.[LABEL_NODE] !== node) {
      return deny(`${name} must carry, on its ${what}, the labels of cluster ${config.serverName}, role node, node ${node}`);
    }
  }
  if (container.Image !== nodeImageRef(config)) return deny(`${name} must run image ${nodeImageRef(config)}, not ${String(container.Image)}`);
  if (task.Runtime !== undefined && task.Runtime !== 'container') return deny(`runtime ${String(task.Runtime)} is not allowed`);
  for (const key of ['Privileges', 'Sysctls', 'Isolation']) {
    const value = container[key];
    if (value !== undefined && value !== null && value !== '' && !(typeof value === 'object' && Object.keys(value).length === 0)) return deny(`${key} is not allowed`);
  }
  if (!(container.CapabilityDrop ?? []).map((c: string) => c.toUpperCase()).includes('ALL')) return deny('every capability must be dropped first (--cap-drop ALL)');
  const extra = ((container.CapabilityAdd ?? []) as string[]).map((c) => c.toUpperCase().replace(/^CAP_/, '')).filter((c) => !NODE_CAPS.includes(c));
  if (extra.length > 0) return deny(`capabilities ${extra.join(', ')} are not allowed for a node`);
  const mounts = (container.Mounts ?? []) as Array<Record<string, unknown>>;
  if (mounts.length !== 1 || !isNodeHome(config, mounts[0])) return deny(`${name} may mount only ${describeHome(config)} as /home`);
  if ((container.Configs ?? []).length > 0) return deny('configs are not allowed');
  const mode = spec.Mode ?? {};
  if (mode.Replicated === undefined || Object.keys(mode).length !== 1 || ![undefined, 1].includes(mode.Replicated.Replicas)) return deny(`${name} must be one replica`);
  const ports = spec.EndpointSpec?.Ports ?? [];
  if (ports.length > 0) return deny('published ports are not allowed');
  const networks = [...(task.Networks ?? []), ...(spec.Networks ?? [])] as Array<{ Target?: string }>;
  if (networks.length !== 1) return deny(`${name} must be on network ${config.network} only`);
  // Ids (the engine goes by them, not by the names beside them) or names: the gate asks whose they are.
  const secrets = ((container.Secrets ?? []) as Array<{ SecretID?: string }>).map((s) => String(s.SecretID));
  return { kind: 'check-refs', network: String(networks[0].Target), secrets };
}

/** Whether a service mount is the node's /home as nodeService makes it: the shared directory, or the NFS volume. */
function isNodeHome(config: Config, mount: Record<string, any>): boolean {
  if (mount.Target !== '/home' || mount.ReadOnly === true) return false;
  const home = config.sharedHome;
  if (home.kind === 'bind') return mount.Type === 'bind' && mount.Source === home.path;
  if (home.kind !== 'nfs') return false;
  // Only an NFS mount of the cluster's server: local driver options can also bind any host path.
  const driver = mount.VolumeOptions?.DriverConfig ?? {};
  const options = driver.Options ?? {};
  return mount.Type === 'volume' && !mount.Source && driver.Name === 'local' && Object.keys(options).length === 3 && options.type === 'nfs'
    && options.device === ':/home' && options.o === `addr=${config.nfsAddress},nfsvers=4.1,rw`;
}

const describeHome = (config: Config): string =>
  config.sharedHome.kind === 'bind' ? config.sharedHome.path : config.sharedHome.kind === 'nfs' ? `the NFS export of ${config.nfsAddress}` : 'nothing';

/** Whether a secret, as the engine shows it, is one of this cluster's node secrets. */
export function ownsSecret(config: Config, spec: { Name?: string; Labels?: Record<string, string> } | undefined): boolean {
  return spec?.Labels?.[LABEL_CLUSTER] === config.serverName && NODE_SECRET_FILES.some((f) => swarmSecretName(config, f) === spec.Name);
}

/**
 * The listing's filters, with this cluster's label added: the frontend sees only its own. In the
 * engine's map form ({"label": {"k=v": true}}) throughout: it refuses a mix with the older list
 * form ({"name": ["x"]}) as "invalid filter".
 */
export function ownFilters(config: Config, given: string | null): string {
  let filters: Record<string, unknown> = {};
  try {
    filters = given ? (JSON.parse(given) as Record<string, unknown>) : {};
  } catch {
    filters = {};
  }
  const asMap = (value: unknown): Record<string, boolean> =>
    Array.isArray(value) ? Object.fromEntries(value.map((v) => [String(v), true])) : { ...(value as Record<string, boolean> | undefined) };
  const out = Object.fromEntries(Object.entries(filters).map(([key, value]) => [key, asMap(value)]));
  out.label = { ...out.label, [`${LABEL_CLUSTER}=${config.serverName}`]: true };
  return JSON.stringify(out);
}

/** Whether a container's labels make it this cluster's, in one of the roles. */
export function ownsTarget(config: Config, labels: Record<string, string> | undefined, roles: string[]): boolean {
  return labels?.[LABEL_CLUSTER] === config.serverName && roles.includes(labels?.[LABEL_ROLE] ?? '');
}

/** A create must make exactly a node or a netns container of this cluster, as ec4docker makes them. */
export function checkCreate(config: Config, name: string, body: unknown): Verdict {
  const names = clusterNames(config);
  const node = names.nodes.find((n) => name === n || name === netnsName(n));
  if (!node) return deny(`a container named ${JSON.stringify(name)} is not a node of cluster ${config.serverName}`);
  const role = name === node ? 'node' : 'netns';
  const spec = (body ?? {}) as Record<string, unknown>;
  const host = (spec.HostConfig ?? {}) as Record<string, unknown>;
  const labels = (spec.Labels ?? {}) as Record<string, string>;
  if (labels[LABEL_CLUSTER] !== config.serverName || labels[LABEL_ROLE] !== role || labels[LABEL_NODE] !== node) {
    return deny(`${name} must carry the labels of cluster ${config.serverName}, role ${role}, node ${node}`);
  }
  const image = role === 'node' ? config.workerImage : config.frontendImage;
  if (spec.Image !== image) return deny(`${name} must run image ${image}, not ${String(spec.Image)}`);
  if (host.Privileged === true) return deny('privileged containers are not allowed');
  for (const key of ['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode']) {
    if (typeof host[key] === 'string' && (host[key] as string).startsWith('host')) return deny(`${key}=${String(host[key])} is not allowed`);
  }
  for (const key of ['Devices', 'DeviceRequests', 'DeviceCgroupRules', 'Mounts', 'VolumesFrom', 'Sysctls', 'Tmpfs', 'Links']) {
    const value = host[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0) && !(typeof value === 'object' && Object.keys(value).length === 0)) {
      return deny(`${key} is not allowed`);
    }
  }
  if (host.CgroupParent) return deny('CgroupParent is not allowed');
  if (host.Runtime && host.Runtime !== 'runc') return deny(`runtime ${String(host.Runtime)} is not allowed`);
  const security = (host.SecurityOpt ?? []) as string[];
  const badSecurity = security.find((o) => !/^no-new-privileges(:true|=true)?$/.test(o));
  if (badSecurity) return deny(`security option ${badSecurity} is not allowed`);
  const drop = (host.CapDrop ?? []) as string[];
  if (!drop.map((c) => c.toUpperCase()).includes('ALL')) return deny('every capability must be dropped first (--cap-drop ALL)');
  const add = ((host.CapAdd ?? []) as string[]).map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  const extra = add.filter((c) => role === 'netns' || !NODE_CAPS.includes(c));
  if (extra.length > 0) return deny(`capabilities ${extra.join(', ')} are not allowed for a ${role} container`);
  const binds = ((host.Binds ?? []) as string[]).slice().sort();
  const allowedBinds = role === 'node' ? [`${homeSource(config)}:/home`, `${names.secretsVolume}:/etc/ec4docker/secrets:ro`].sort() : [];
  if (JSON.stringify(binds) !== JSON.stringify(allowedBinds)) return deny(`${name} may mount only ${allowedBinds.join(' and ') || 'nothing'}, not ${binds.join(', ')}`);
  if (host.PortBindings && Object.keys(host.PortBindings as object).length > 0) return deny('published ports are not allowed');
  if (host.PublishAllPorts === true) return deny('published ports are not allowed');
  const network = String(host.NetworkMode ?? '');
  const wanted = role === 'node' ? `container:${netnsName(node)}` : names.network;
  if (network !== wanted) return deny(`${name} must be on network ${wanted}, not ${network || 'the default'}`);
  return { kind: 'pass' };
}
