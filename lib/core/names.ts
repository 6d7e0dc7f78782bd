// Names and labels of everything a cluster owns. Like Docker Compose's project labels,
// every resource carries the cluster's label, so listing and cleanup go by label, never by name.
import type { Config } from './config.ts';
import { UsageError } from './errors.ts';

export const LABEL_PREFIX = 'org.ec4docker';
export const LABEL_CLUSTER = `${LABEL_PREFIX}.cluster`;
export const LABEL_ROLE = `${LABEL_PREFIX}.role`; // see Role
export const LABEL_NODE = `${LABEL_PREFIX}.node`;
// On a powered-off node's container made ahead (lib/backend/engine.ts): the hash of its settings.
export const LABEL_SPARE = `${LABEL_PREFIX}.spare`;

/** A node's spare: made ahead (LABEL_SPARE), never started. */
export const isSpare = (c: { state: string; labels: Record<string, string> }): boolean =>
  c.labels[LABEL_ROLE] === 'node' && c.state === 'created' && c.labels[LABEL_SPARE] !== undefined;
export const LABEL_MIDDLEWARE = `${LABEL_PREFIX}.middleware`;
// On the cluster's network: the addresses reserved for its nodes (lib/core/addresses.ts).
export const LABEL_NODE_RANGE = `${LABEL_PREFIX}.node-range`;

export type Role = 'frontend' | 'gate' | 'node' | 'netns' | 'db' | 'nfs' | 'network' | 'home' | 'secrets' | 'state' | 'accounting';

/** Volumes that hold what users made (files, job history): -t keeps them, only --purge removes them. */
export const KEPT_VOLUME_ROLES: readonly Role[] = ['home', 'accounting'];

export interface ClusterNames {
  frontend: string;
  network: string;
  homeVolume: string; // /home, shared by the frontend and every node
  secretsVolume: string; // munge key and the frontend's public keys: rw in the frontend, ro on nodes
  stateVolume: string; // the frontend's state (/var/lib/ec4docker: the scheduler's, the monitor's)
  gate: string; // the container holding the engine's socket (lib/gate/)
  gateVolume: string; // the gate's socket, mounted by the frontend only
  nodes: string[]; // <basename>1..N
}

/**
 * The capabilities a node (and the frontend) runs with, after --cap-drop ALL: no --privileged (it
 * cannot even start here), Docker's default set less what neither sshd, munged, slurmd nor cron
 * use. slurmd needs SETUID/SETGID/KILL to run jobs as their users. The gate allows no other.
 */
export const NODE_CAPS: readonly string[] = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE'];

/** The names of a cluster's resources, derived from its config alone. */
export function clusterNames(config: Config): ClusterNames {
  const nodes = Array.from({ length: config.maxNodes }, (_, i) => `${config.nodeBaseName}${i + 1}`);
  return {
    frontend: config.serverName,
    network: config.network,
    homeVolume: `${config.serverName}-home`,
    secretsVolume: `${config.serverName}-secrets`,
    stateVolume: `${config.serverName}-state`,
    gate: `${config.serverName}-gate`,
    gateVolume: `${config.serverName}-gate`,
    nodes,
  };
}

/** A container (or data volume) of the cluster beside the frontend: <servername>-<role>. */
export const serviceName = (config: Pick<Config, 'serverName'>, role: Role): string => `${config.serverName}-${role}`;

/**
 * The container that holds a node's network namespace (lib/backend/engine.ts): made once, kept
 * while the node is off, so that a power-on does not wait for the engine to make a network.
 */
export const netnsName = (node: string): string => `${node}-netns`;

/** What is mounted as /home (`-v SOURCE:/home`): the cluster's home volume, or the shared directory. */
export const homeSource = (config: Config): string => (config.sharedHome.kind === 'bind' ? config.sharedHome.path : clusterNames(config).homeVolume);

/** The secrets a node reads, by their file in /etc/ec4docker/secrets (lib.sh: start_munge, start_node_sshd). */
export const NODE_SECRET_FILES = ['munge.key', 'root_authorized_keys'] as const;

/** A node secret as a Swarm secret (a volume of the manager is not on the other hosts): <servername>-<file>. */
export const swarmSecretName = (config: Pick<Config, 'serverName'>, file: string): string => `${config.serverName}-${file.replace(/[._]/g, '-')}`;

/** The labels of one of the cluster's resources, as the engine keeps them. */
export function resourceLabels(config: Config, role: Role, node?: string): Record<string, string> {
  return { [LABEL_CLUSTER]: config.serverName, [LABEL_ROLE]: role, [LABEL_MIDDLEWARE]: config.middleware, ...(node === undefined ? {} : { [LABEL_NODE]: node }) };
}

/** `--label k=v` arguments for `docker run|network create|volume create`. */
export const labelArgs = (config: Config, role: Role, node?: string): string[] =>
  Object.entries(resourceLabels(config, role, node)).flatMap(([key, value]) => ['--label', `${key}=${value}`]);

/** `--filter label=...` arguments selecting one cluster's resources (optionally one role). */
export function clusterFilter(serverName: string, role?: Role): string[] {
  const filters = ['--filter', `label=${LABEL_CLUSTER}=${serverName}`];
  if (role !== undefined) filters.push('--filter', `label=${LABEL_ROLE}=${role}`);
  return filters;
}

/** Checks that every name is a working node of this cluster; returns them deduplicated, in order. */
export function checkNodeNames(names: readonly string[], cluster: ClusterNames): string[] {
  if (names.length === 0) throw new UsageError(`no node given (nodes of this cluster: ${describeNodes(cluster)})`);
  const known = new Set(cluster.nodes);
  for (const name of names) {
    if (!known.has(name)) throw new UsageError(`${JSON.stringify(name)} is not a node of this cluster (nodes: ${describeNodes(cluster)})`);
  }
  return [...new Set(names)];
}

function describeNodes(cluster: ClusterNames): string {
  const n = cluster.nodes.length;
  return n === 1 ? cluster.nodes[0] : `${cluster.nodes[0]} .. ${cluster.nodes[n - 1]}`;
}
