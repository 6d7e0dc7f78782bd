// The cluster configuration: KEY=VALUE files with the original EC4Docker key names,
// overridden by command-line values, checked once and turned into a typed Config.
// Pure: the caller reads the file and passes its text.
import { parse as parseDotenv } from 'dotenv';
import { UsageError } from './errors.ts';

export type Elasticity = 'none' | 'slurm' | 'monitor';

/** What the config checks need to know of each middleware (lib/middleware/registry.ts passes them). */
export interface MiddlewareRules {
  name: string; // the EC4DOCK_MIDDLEWARE value
  ownPowerSaving: boolean; // may power nodes by itself: EC4DOCK_ELASTICITY=slurm
  restApi: boolean; // has a REST API ec4docker can run: EC4DOCK_REST_API=yes
  anyNodeAddress: boolean; // its nodes need no fixed address: they can run as Swarm services
}

export type Orchestrator = 'engine' | 'swarm';

/**
 * Where /home comes from: one engine's named volume; a directory every host shares at one path;
 * or the cluster's volume served over NFS by its own server (ec4docker:nfs) to the Swarm's hosts.
 */
export type SharedHome = { kind: 'volume' } | { kind: 'bind'; path: string } | { kind: 'nfs' };

export interface Config {
  serverName: string; // EC4DOCK_SERVERNAME: frontend container, hostname and cluster label
  maxNodes: number; // EC4DOCK_MAXNODES: working nodes are <nodeBaseName>1..maxNodes
  frontendImage: string; // EC4DOCK_FRONTEND_IMAGENAME
  workerImage: string; // EC4DOCK_WN_IMAGENAME
  dbImage: string; // EC4DOCK_DB_IMAGENAME: the accounting database's (Slurm)
  nodeBaseName: string; // EC4DOCK_NODEBASENAME
  network: string; // EC4DOCK_NETWORK: the cluster's own Docker network
  dockerHost: string; // EC4DOCK_DOCKER_HOST: empty means the default engine
  middleware: string; // EC4DOCK_MIDDLEWARE: a name in lib/middleware/registry.ts
  sshPort: number; // EC4DOCK_SSH_PORT: host port for the frontend's sshd, 0 = any free port
  sshAddress: string; // EC4DOCK_SSH_ADDRESS: the host address it is published on
  password: string; // EC4DOCK_PASSWORD: empty = key-based login only
  nodeCpus: number; // EC4DOCK_NODE_CPUS: CPUs Slurm gives each node, 0 = the engine host's count
  nodeMemory: string; // EC4DOCK_NODE_MEMORY: a node container's memory limit (docker --memory), '' = none
  nodeCpuLimit: number; // EC4DOCK_NODE_CPU_LIMIT: CPUs a node container may use (docker --cpus), 0 = no limit
  nodePids: number; // EC4DOCK_NODE_PIDS: processes a node container may hold (docker --pids-limit)
  elasticity: Elasticity; // EC4DOCK_ELASTICITY
  idleSeconds: number; // EC4DOCK_IDLE_TIME
  maxWaitPowerOnSeconds: number; // EC4DOCK_MAX_WAIT_POWERON
  maxBootingNodes: number; // EC4DOCK_MAX_BOOTING_NODES: power-ons in progress at once, 0 = no limit
  extraNodesFree: number; // EC4DOCK_EXTRA_NODES_FREE: idle nodes kept powered on
  retriesPowerOn: number; // EC4DOCK_RETRIES_POWER_ON: failed power-ons before a node is set aside
  accounting: boolean; // EC4DOCK_ACCOUNTING: a job accounting database, where the middleware has one (Slurm)
  restApi: boolean; // EC4DOCK_REST_API: the scheduler's REST API (Slurm's slurmrestd)
  restPort: number; // EC4DOCK_REST_PORT: its host port on 127.0.0.1, 0 = any free port
  orchestrator: Orchestrator; // EC4DOCK_ORCHESTRATOR: nodes as containers of one engine, or as Swarm services
  sharedHome: SharedHome; // EC4DOCK_SHARED_HOME: volume | nfs | bind:PATH
  registry: string; // EC4DOCK_REGISTRY: host[:port] every Swarm host pulls the node image from
  swarmConstraints: string[]; // EC4DOCK_SWARM_CONSTRAINTS: where nodes may be placed (node.labels.x==y)
  swarmLostAfterSeconds: number; // EC4DOCK_SWARM_LOST_AFTER: a node silent this long is lost, 0 = when Swarm says its host is down
  nfsAddress: string; // EC4DOCK_NFS_ADDRESS: where the hosts reach the NFS server, '' = the manager's Swarm address
}

/** Every key a config file may hold, with its default (as text, the way files hold it). */
export const DEFAULTS: Readonly<Record<string, string>> = {
  EC4DOCK_SERVERNAME: 'ec4docker',
  EC4DOCK_MAXNODES: '4',
  EC4DOCK_FRONTEND_IMAGENAME: '', // empty: ec4d<middleware>:frontend
  EC4DOCK_WN_IMAGENAME: '', // empty: ec4d<middleware>:wn
  EC4DOCK_DB_IMAGENAME: '', // empty: ec4d<middleware>:db
  EC4DOCK_NODEBASENAME: 'ec4dockernode',
  EC4DOCK_NETWORK: '', // empty: <servername>-net
  EC4DOCK_DOCKER_HOST: '',
  EC4DOCK_MIDDLEWARE: 'slurm',
  EC4DOCK_SSH_PORT: '0',
  EC4DOCK_SSH_ADDRESS: '127.0.0.1', // this host only; 0.0.0.0 for every interface
  EC4DOCK_PASSWORD: '',
  EC4DOCK_NODE_CPUS: '0',
  EC4DOCK_NODE_MEMORY: '',
  EC4DOCK_NODE_CPU_LIMIT: '0',
  EC4DOCK_NODE_PIDS: '4096', // a fork bomb in one job stops at its node
  EC4DOCK_ELASTICITY: 'monitor',
  EC4DOCK_IDLE_TIME: '120',
  EC4DOCK_MAX_WAIT_POWERON: '60',
  EC4DOCK_MAX_BOOTING_NODES: '0',
  EC4DOCK_EXTRA_NODES_FREE: '0',
  EC4DOCK_RETRIES_POWER_ON: '3',
  EC4DOCK_ACCOUNTING: 'yes',
  EC4DOCK_REST_API: 'no',
  EC4DOCK_REST_PORT: '0',
  EC4DOCK_ORCHESTRATOR: 'engine',
  EC4DOCK_SHARED_HOME: 'volume',
  EC4DOCK_REGISTRY: '',
  EC4DOCK_SWARM_CONSTRAINTS: '',
  EC4DOCK_SWARM_LOST_AFTER: '5',
  EC4DOCK_NFS_ADDRESS: '',
};

export const MAX_NODES_LIMIT = 512;
const NAME_MAX = 40;
// Docker container names, hostnames, Slurm node names and label values all accept this.
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const UNIT_BYTES: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** A size as EC4DOCK_NODE_MEMORY (and docker's --memory) takes it, "512m", "4g" or bytes, in bytes; "" (none) is 0. */
export function memoryBytes(size: string): number {
  if (size === '') return 0;
  return parseInt(size, 10) * (UNIT_BYTES[size.slice(-1).toLowerCase()] ?? 1);
}

// A Docker image reference: [registry[:port]/]path[:tag][@digest], lower-case path.
const IMAGE_RE = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** Parses a config file's text (KEY=VALUE, # comments, quotes, `export`); rejects unknown keys. */
export function parseConfigText(text: string, source: string): Record<string, string> {
  // dotenv skips what it cannot read and lets a repeated key win: refuse both instead of guessing.
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const key = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(trimmed)?.[1];
    if (key === undefined) throw new UsageError(`${source}: line ${i + 1} is not KEY=VALUE: ${JSON.stringify(trimmed.slice(0, 60))}`);
    if (seen.has(key)) throw new UsageError(`${source}: line ${i + 1}: ${key} is set twice (first on line ${seen.get(key)})`);
    seen.set(key, i + 1);
  });
  const values = parseDotenv(text);
  for (const key of Object.keys(values)) {
    if (!(key in DEFAULTS)) {
      throw new UsageError(`${source}: unknown key ${key} (known keys: ${Object.keys(DEFAULTS).join(', ')})`);
    }
  }
  return values;
}

/**
 * Merges defaults, file values and overrides (later wins), then checks every value against the
 * known middlewares; `source` prefixes messages.
 */
export function resolveConfig(source: string, middlewares: readonly MiddlewareRules[], ...layers: Array<Record<string, string | undefined>>): Config {
  const raw: Record<string, string> = { ...DEFAULTS };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) raw[key] = value;
  }
  const where = source ? `${source}: ` : '';
  const bad = (key: string, rule: string): never => {
    throw new UsageError(`${where}${key} ${rule}, got ${JSON.stringify(raw[key])}`);
  };
  const name = (key: string): string => {
    const v = raw[key];
    if (v.length > NAME_MAX || !NAME_RE.test(v)) {
      bad(key, `must be 1-${NAME_MAX} lower-case letters, digits or '-', starting and ending with a letter or digit`);
    }
    return v;
  };
  const int = (key: string, min: number, max: number): number => {
    const v = raw[key];
    if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) bad(key, `must be a whole number from ${min} to ${max}`);
    return Number(v);
  };
  const image = (key: string, fallback: string): string => {
    if (raw[key] === '') raw[key] = fallback;
    if (!IMAGE_RE.test(raw[key])) bad(key, 'must be a Docker image reference such as ec4dslurm:frontend');
    return raw[key];
  };
  const memory = (key: string): string => {
    if (raw[key] !== '' && !/^[1-9][0-9]*[kmg]?$/i.test(raw[key])) bad(key, 'must be a size such as 512m or 4g (empty: no limit)');
    if (raw[key] !== '' && /^[0-9]+k?$/i.test(raw[key]) && parseInt(raw[key], 10) * (/k$/i.test(raw[key]) ? 1024 : 1) < 6 * 1024 * 1024) bad(key, 'must be at least 6m, the least Docker accepts');
    return raw[key].toLowerCase();
  };
  const ipv4 = (key: string): string => {
    const parts = raw[key].split('.');
    if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) bad(key, 'must be an IPv4 address of this host, such as 127.0.0.1 or 0.0.0.0');
    return raw[key];
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    if (!allowed.includes(raw[key] as T)) bad(key, `must be one of ${allowed.join(', ')}`);
    return raw[key] as T;
  };

  const serverName = name('EC4DOCK_SERVERNAME');
  const middleware = oneOf('EC4DOCK_MIDDLEWARE', middlewares.map((m) => m.name));
  const elasticity = oneOf('EC4DOCK_ELASTICITY', ['none', 'slurm', 'monitor'] as const);
  // A middleware without power saving of its own is driven by clues-monitor.
  const powering = middlewares.filter((m) => m.ownPowerSaving).map((m) => m.name);
  if (elasticity === 'slurm' && !powering.includes(middleware)) {
    bad('EC4DOCK_ELASTICITY', `slurm needs EC4DOCK_MIDDLEWARE=${powering.join(' or ')} (${middleware} has no power saving of its own: use monitor or none)`);
  }
  const restApi = oneOf('EC4DOCK_REST_API', ['yes', 'no'] as const) === 'yes';
  const rest = middlewares.filter((m) => m.restApi).map((m) => m.name);
  if (restApi && !rest.includes(middleware)) bad('EC4DOCK_REST_API', `yes needs EC4DOCK_MIDDLEWARE=${rest.join(' or ')}`);
  const nodeBaseName = name('EC4DOCK_NODEBASENAME');
  // "node1" + 1 and "node" + 11 would both be node11: keep node numbers unambiguous.
  if (/[0-9]$/.test(nodeBaseName)) bad('EC4DOCK_NODEBASENAME', 'must not end with a digit');
  if (nodeBaseName === serverName) bad('EC4DOCK_NODEBASENAME', 'must differ from EC4DOCK_SERVERNAME');
  // The frontend must never be taken for a node (a node's power-on would replace it).
  if (serverName.startsWith(nodeBaseName) && /^[0-9]+$/.test(serverName.slice(nodeBaseName.length))) {
    bad('EC4DOCK_SERVERNAME', `must not be a node name (${nodeBaseName}<number>)`);
  }
  if (raw.EC4DOCK_NETWORK === '') raw.EC4DOCK_NETWORK = `${serverName}-net`;
  const password = raw.EC4DOCK_PASSWORD;
  if (password !== '' && (password.length < 12 || /[\s:]/.test(password))) {
    throw new UsageError(`${where}EC4DOCK_PASSWORD must be at least 12 characters with no spaces or ':' (value not shown)`);
  }
  const dockerHost = raw.EC4DOCK_DOCKER_HOST;
  if (dockerHost !== '' && !/^(unix|tcp|ssh):\/\/\S+$/.test(dockerHost)) {
    bad('EC4DOCK_DOCKER_HOST', 'must be a unix://, tcp:// or ssh:// address');
  }
  const orchestrator = oneOf('EC4DOCK_ORCHESTRATOR', ['engine', 'swarm'] as const);
  const home = raw.EC4DOCK_SHARED_HOME;
  let sharedHome: SharedHome = { kind: 'volume' };
  if (home.startsWith('bind:')) {
    const path = home.slice('bind:'.length);
    // a mount's source: absolute, and nothing that a --mount list would split
    if (!/^\/[^,:\s]*$/.test(path) || path.split('/').includes('..')) bad('EC4DOCK_SHARED_HOME', 'bind:PATH needs an absolute path without commas, colons, spaces or ..');
    sharedHome = { kind: 'bind', path: path.replace(/(.)\/+$/, '$1') };
  } else if (home === 'nfs') {
    sharedHome = { kind: 'nfs' };
  } else if (home !== 'volume') {
    bad('EC4DOCK_SHARED_HOME', 'must be volume, nfs or bind:PATH (a directory every host shares at PATH)');
  }
  if (raw.EC4DOCK_NFS_ADDRESS !== '' && sharedHome.kind !== 'nfs') bad('EC4DOCK_NFS_ADDRESS', 'is where the hosts reach the NFS server: it needs EC4DOCK_SHARED_HOME=nfs');
  const registry = raw.EC4DOCK_REGISTRY;
  if (registry !== '' && !/^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?$/.test(registry)) bad('EC4DOCK_REGISTRY', 'must be a registry address, host or host:port');
  const swarmConstraints = raw.EC4DOCK_SWARM_CONSTRAINTS.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of swarmConstraints) {
    if (!/^[A-Za-z0-9_.-]+ *(==|!=) *[^\s,]+$/.test(c)) bad('EC4DOCK_SWARM_CONSTRAINTS', 'must be Swarm placement constraints such as node.labels.ec4docker==yes, comma-separated');
  }
  if (orchestrator === 'swarm') {
    const anywhere = middlewares.filter((m) => m.anyNodeAddress).map((m) => m.name);
    if (!anywhere.includes(middleware)) bad('EC4DOCK_MIDDLEWARE', `with EC4DOCK_ORCHESTRATOR=swarm must be ${anywhere.join(' or ')} (${middleware} nodes need fixed addresses, which Swarm services do not get)`);
    if (sharedHome.kind === 'volume') bad('EC4DOCK_SHARED_HOME', "volume is one engine's: with EC4DOCK_ORCHESTRATOR=swarm use nfs, or bind:PATH (a directory every host shares at PATH)");
    if (registry === '') bad('EC4DOCK_REGISTRY', 'must name a registry every Swarm host can pull from (host:port) with EC4DOCK_ORCHESTRATOR=swarm');
  } else if (swarmConstraints.length > 0) {
    bad('EC4DOCK_SWARM_CONSTRAINTS', 'places Swarm services: it needs EC4DOCK_ORCHESTRATOR=swarm');
  } else if (raw.EC4DOCK_SWARM_LOST_AFTER !== DEFAULTS.EC4DOCK_SWARM_LOST_AFTER) {
    bad('EC4DOCK_SWARM_LOST_AFTER', 'is for nodes on other hosts: it needs EC4DOCK_ORCHESTRATOR=swarm');
  } else if (sharedHome.kind === 'nfs') {
    bad('EC4DOCK_SHARED_HOME', 'nfs shares /home across the hosts of a Swarm (EC4DOCK_ORCHESTRATOR=swarm); on one engine use volume');
  }
  return {
    serverName,
    maxNodes: int('EC4DOCK_MAXNODES', 1, MAX_NODES_LIMIT),
    frontendImage: image('EC4DOCK_FRONTEND_IMAGENAME', `ec4d${middleware}:frontend`),
    workerImage: image('EC4DOCK_WN_IMAGENAME', `ec4d${middleware}:wn`),
    dbImage: image('EC4DOCK_DB_IMAGENAME', `ec4d${middleware}:db`),
    nodeBaseName,
    network: name('EC4DOCK_NETWORK'),
    dockerHost,
    middleware,
    sshPort: int('EC4DOCK_SSH_PORT', 0, 65535),
    sshAddress: ipv4('EC4DOCK_SSH_ADDRESS'),
    password,
    nodeCpus: int('EC4DOCK_NODE_CPUS', 0, 1024),
    nodeMemory: memory('EC4DOCK_NODE_MEMORY'),
    nodeCpuLimit: int('EC4DOCK_NODE_CPU_LIMIT', 0, 1024),
    nodePids: int('EC4DOCK_NODE_PIDS', 16, 4_194_304),
    elasticity,
    idleSeconds: int('EC4DOCK_IDLE_TIME', 0, 7 * 24 * 3600),
    maxWaitPowerOnSeconds: int('EC4DOCK_MAX_WAIT_POWERON', 5, 3600),
    maxBootingNodes: int('EC4DOCK_MAX_BOOTING_NODES', 0, MAX_NODES_LIMIT),
    extraNodesFree: int('EC4DOCK_EXTRA_NODES_FREE', 0, MAX_NODES_LIMIT),
    retriesPowerOn: int('EC4DOCK_RETRIES_POWER_ON', 0, 100),
    accounting: oneOf('EC4DOCK_ACCOUNTING', ['yes', 'no'] as const) === 'yes',
    restApi,
    restPort: int('EC4DOCK_REST_PORT', 0, 65535),
    orchestrator,
    sharedHome,
    registry,
    swarmConstraints,
    swarmLostAfterSeconds: int('EC4DOCK_SWARM_LOST_AFTER', 0, 3600),
    nfsAddress: raw.EC4DOCK_NFS_ADDRESS === '' ? '' : ipv4('EC4DOCK_NFS_ADDRESS'),
  };
}

/** The image as every Swarm host pulls it (the cluster's registry), or as it is on one engine. */
export const nodeImageRef = (config: Config): string => (config.orchestrator === 'swarm' ? `${config.registry}/${config.workerImage}` : config.workerImage);

/** The config as KEY=VALUE lines: what setup-cluster hands to the frontend. */
export function configToEnv(config: Config): Record<string, string> {
  return {
    EC4DOCK_SERVERNAME: config.serverName,
    EC4DOCK_MAXNODES: String(config.maxNodes),
    EC4DOCK_FRONTEND_IMAGENAME: config.frontendImage,
    EC4DOCK_WN_IMAGENAME: config.workerImage,
    EC4DOCK_DB_IMAGENAME: config.dbImage,
    EC4DOCK_NODEBASENAME: config.nodeBaseName,
    EC4DOCK_NETWORK: config.network,
    EC4DOCK_MIDDLEWARE: config.middleware,
    EC4DOCK_NODE_CPUS: String(config.nodeCpus),
    EC4DOCK_NODE_MEMORY: config.nodeMemory,
    EC4DOCK_NODE_CPU_LIMIT: String(config.nodeCpuLimit),
    EC4DOCK_NODE_PIDS: String(config.nodePids),
    EC4DOCK_ELASTICITY: config.elasticity,
    EC4DOCK_IDLE_TIME: String(config.idleSeconds),
    EC4DOCK_MAX_WAIT_POWERON: String(config.maxWaitPowerOnSeconds),
    EC4DOCK_MAX_BOOTING_NODES: String(config.maxBootingNodes),
    EC4DOCK_EXTRA_NODES_FREE: String(config.extraNodesFree),
    EC4DOCK_RETRIES_POWER_ON: String(config.retriesPowerOn),
    EC4DOCK_ACCOUNTING: config.accounting ? 'yes' : 'no',
    EC4DOCK_REST_API: config.restApi ? 'yes' : 'no',
    EC4DOCK_ORCHESTRATOR: config.orchestrator,
    EC4DOCK_SHARED_HOME: config.sharedHome.kind === 'bind' ? `bind:${config.sharedHome.path}` : config.sharedHome.kind,
    EC4DOCK_REGISTRY: config.registry,
    EC4DOCK_SWARM_CONSTRAINTS: config.swarmConstraints.join(','),
    EC4DOCK_SWARM_LOST_AFTER: String(config.swarmLostAfterSeconds),
    EC4DOCK_NFS_ADDRESS: config.nfsAddress,
  };
}
