// setup-cluster: creates a cluster on the Docker engine — its network, volumes, frontend and the
// nodes' netns containers — or, when a step fails, removes what this run made.
import { type NodeAddressPlan, nodeAddress, planNodeAddresses } from '../core/addresses.ts';
import { backendFor } from '../backend/index.ts';
import { CONTAINER_CAPS } from '../backend/engine.ts';
import { type Config, configToEnv } from '../core/config.ts';
import { UsageError, UserError } from '../core/errors.ts';
import { type ClusterNames, clusterFilter, clusterNames, homeSource, labelArgs, LABEL_CLUSTER, LABEL_MIDDLEWARE, LABEL_NODE_RANGE, netnsName, type Role, serviceName } from '../core/names.ts';
import {
  type ContainerSummary, containerState, docker, dockerTry, engineLogDriver, imageLabels, inspectLabels, listContainers, listNamed, networkSubnet, publishedPort, removeContainers,
} from '../io/docker.ts';
import { lastLine, run, waitFor } from '../io/run.ts';
import { middlewareNamed } from '../middleware/registry.ts';
import type { ServiceSpec } from '../middleware/types.ts';
import { ensureHostKey, hostKeyPath } from './host-key.ts';
import { checkNfsReachable, NFS_IMAGE, startNfsServer } from './nfs.ts';
import { checkSwarmManager, makeNodeSecrets, pushNodeImage, removeSwarmObjects, swarmAddress, swarmResources } from './swarm.ts';
import { terminateCluster } from './terminate.ts';

const READY_TIMEOUT_MS = 90_000;

type Made = { kind: 'network' | 'volume' | 'secret'; name: string };

export interface CreateOptions {
  yes: boolean; // replace an existing cluster of that name without asking
  deploy: boolean; // -d: power every node on now
  confirm: (question: string) => Promise<boolean>;
}

/** The containers the cluster's middleware runs beside the frontend (Slurm's accounting). */
const servicesOf = (config: Config): ServiceSpec[] => middlewareNamed(config.middleware).services?.(config) ?? [];

/** Refuses images that are missing or made for another middleware, before anything is created. */
async function checkImages(config: Config): Promise<void> {
  const middleware = middlewareNamed(config.middleware);
  const images = [config.frontendImage, config.workerImage, ...servicesOf(config).map((s) => s.image), ...(config.sharedHome.kind === 'nfs' ? [NFS_IMAGE] : [])];
  const found = await Promise.all(images.map(imageLabels));
  for (const [i, image] of images.entries()) {
    const labels = found[i];
    if (labels === undefined) {
      throw new UsageError(`image ${image} not found; build the images with: npm run images -- ${config.middleware}`);
    }
    // An image of another middleware would start, then never join: say so now.
    const made = labels[LABEL_MIDDLEWARE];
    if (made !== undefined && made !== config.middleware) {
      throw new UsageError(`image ${image} is a ${made} image, but the cluster's middleware is ${config.middleware} (EC4DOCK_MIDDLEWARE)`);
    }
  }
}

/** Refuses names taken by containers that are not this cluster's; returns the cluster's containers. */
async function checkNameConflicts(config: Config, names: ClusterNames): Promise<ContainerSummary[]> {
  const wanted = new Set([names.frontend, names.gate, serviceName(config, 'nfs'), ...servicesOf(config).map((spec) => serviceName(config, spec.role)), ...names.nodes, ...names.nodes.map(netnsName)]);
  const all = await listContainers([]);
  for (const c of all) {
    if (wanted.has(c.name) && c.labels[LABEL_CLUSTER] !== config.serverName) {
      throw new UsageError(`a container named ${c.name} already exists and is not part of cluster ${config.serverName}; choose another name (-s or -b)`);
    }
  }
  if (config.orchestrator === 'swarm') {
    const own = new Set((await swarmResources(config.serverName)).services.map((s) => s.name));
    const taken = (await listNamed('service', [])).find((s) => wanted.has(s.name) && !own.has(s.name));
    if (taken) throw new UsageError(`a Swarm service named ${taken.name} already exists and is not part of cluster ${config.serverName}; choose another name (-s or -b)`);
  }
  return all.filter((c) => c.labels[LABEL_CLUSTER] === config.serverName);
}

/** Creates the cluster and prints how to enter it. */
export async function createCluster(given: Config, options: CreateOptions): Promise<void> {
  let config = given;
  const names = clusterNames(config);
  const middleware = middlewareNamed(config.middleware);
  if (config.orchestrator === 'swarm') await checkSwarmManager(config);
  // The nodes mount the NFS server where every host reaches it: by default the manager's Swarm address.
  if (config.sharedHome.kind === 'nfs' && config.nfsAddress === '') config = { ...config, nfsAddress: await swarmAddress() };
  const [, existing] = await Promise.all([checkImages(config), checkNameConflicts(config, names)]);
  if (existing.length > 0) {
    const question = `Cluster ${config.serverName} already exists (${existing.length} container(s)). Kill it and create it again?`;
    if (!options.yes && !(await options.confirm(question))) {
      throw new UserError(`cluster ${config.serverName} already exists; replace it with -y, or remove it with -t`);
    }
    await terminateCluster(config, { purge: false, yes: true, confirm: options.confirm });
  }
  // Before anything is made: a registry the hosts cannot pull from stops the setup here.
  if (config.orchestrator === 'swarm') await pushNodeImage(config);

  const created: Made[] = [];
  try {
    // Secrets are made new with every cluster: a fresh munge key and node keys.
    const freshSecrets = async () => {
      if ((await inspectLabels('volume', names.secretsVolume)) !== undefined) await docker(['volume', 'rm', names.secretsVolume], 'remove old secrets volume');
      await ensureVolume(config, 'secrets', names.secretsVolume, created);
    };
    const [nodeRange, logs] = await settleAll([
      ensureNetwork(config, names.network, created), logBounds(),
      config.sharedHome.kind === 'bind' ? Promise.resolve() : ensureVolume(config, 'home', names.homeVolume, created),
      ensureVolume(config, 'state', names.stateVolume, created),
      freshSecrets(), ensureVolume(config, 'gate', names.gateVolume, created),
    ]);
    // The gate, the services (the accounting database, which the frontend's scheduler waits for
    // at its first start) and the frontend start together: the frontend waits for the gate's
    // socket itself (lib.sh).
    const services = servicesOf(config);
    const nfs = config.sharedHome.kind === 'nfs';
    await settleAll([
      startGate(config, names, logs), ...services.map((spec) => startService(config, names, spec, logs, created)),
      ...(nfs ? [startNfsServer(config, logs)] : []),
      startFrontend(config, names, [...gateAccess(names), ...logs], middleware.fixedNodeAddresses && nodeRange ? nodeHosts(names.nodes, nodeRange) : []),
    ]);
    // The nodes' netns containers are made while the frontend boots: power-ons then only join them.
    await settleAll([
      waitForReady(names.frontend, 'frontend'), ...services.map((spec) => waitForReady(serviceName(config, spec.role), spec.role)), backendFor(config).prepare(names.nodes),
      ...(nfs ? [waitForReady(serviceName(config, 'nfs'), 'NFS server').then(() => checkNfsReachable(config))] : []),
    ]);
    if (config.orchestrator === 'swarm') await makeNodeSecrets(config, names.frontend, (name) => created.push({ kind: 'secret', name }));
    if (config.password) {
      await docker(['exec', '-i', names.frontend, 'chpasswd'], 'set the ubuntu password', `ubuntu:${config.password}\n`);
    }
  } catch (error) {
    await rollback(config, created);
    throw error;
  }
  if (options.deploy) {
    const result = await run('docker', ['exec', names.frontend, '/opt/ec4docker/poweron', ...names.nodes], { timeout: `${config.maxWaitPowerOnSeconds + 60}s` });
    process.stdout.write(result.stdout);
    if (result.exitCode !== 0) throw new UserError(`cluster ${config.serverName} is up, but powering on its nodes failed: ${lastLine(result.stderr)}`);
  }
  const port = (await publishedPort(names.frontend, '22/tcp')).split(':').at(-1);
  console.log(`cluster ${config.serverName} is up: frontend ${names.frontend}, nodes ${names.nodes[0]}..${names.nodes.at(-1)} (${config.elasticity === 'none' ? 'powered on by hand' : `elastic: ${config.elasticity}`})`);
  console.log('enter it with either of:');
  console.log(`  ssh -i ${hostKeyPath(config.serverName)} -p ${port} ubuntu@localhost`);
  console.log(`  docker exec -it ${names.frontend} su - ubuntu`);
  console.log(`power nodes on by hand: docker exec ${names.frontend} /opt/ec4docker/poweron ${names.nodes[0]}`);
  const rest = config.restApi ? middleware.restApi : undefined;
  if (rest) for (const line of rest.usage(`http://${await publishedPort(names.frontend, `${rest.port}/tcp`)}`, names.frontend)) console.log(line);
}

/**
 * The gate (lib/gate/): a container of its own holding the engine's socket, serving the frontend
 * a socket that passes only what ec4docker does to this cluster's nodes, so that root in the
 * frontend (and so a user who becomes it) is not root on the host. The gate runs on the engine it
 * guards, so for an engine reached over tcp:// or ssh:// it mounts that host's own socket.
 */
async function startGate(config: Config, names: ClusterNames, logs: string[]): Promise<void> {
  const socket = config.dockerHost.startsWith('unix://') ? config.dockerHost.slice('unix://'.length) : '/var/run/docker.sock';
  await docker(
    [
      'run', '-d', '--init', '--name', names.gate, '--network', 'none', '--restart', 'unless-stopped',
      ...labelArgs(config, 'gate'), ...logs,
      '-v', `${socket}:/var/run/docker.sock`, '-v', `${names.gateVolume}:/run/ec4docker-gate`,
      // it only relays: no capability but CHOWN (its socket's group), no privilege to gain, little memory
      '--cap-drop', 'ALL', '--cap-add', 'CHOWN', '--security-opt', 'no-new-privileges', '--memory', '128m', '--pids-limit', '64',
      '--no-healthcheck', '--entrypoint', '/opt/ec4docker/ec4d',
      ...Object.entries(configToEnv(config)).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      config.frontendImage, 'gate',
    ],
    `start the engine gate ${names.gate}`,
  );
}

/** The frontend's way to the engine: the gate's socket, on the volume they share. */
const gateAccess = (names: ClusterNames): string[] => ['-v', `${names.gateVolume}:/run/ec4docker-gate`];

/**
 * The engine's own log of the long-lived containers (the frontend, the gate: a refused request is
 * a line), kept to 20 MiB where the log driver takes a size; another driver is the site's choice.
 */
async function logBounds(): Promise<string[]> {
  return ['json-file', 'local'].includes(await engineLogDriver()) ? ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=2'] : [];
}

/** Starts the frontend container, with the way to the engine and the cluster's config. */
async function startFrontend(config: Config, names: ClusterNames, engineAccess: string[], hosts: string[]): Promise<void> {
  const publicKey = ensureHostKey(config.serverName);
  const rest = config.restApi ? middlewareNamed(config.middleware).restApi : undefined;
  const env = Object.entries({ ...configToEnv(config), EC4D_AUTHORIZED_KEY: publicKey, EC4D_PASSWORD_LOGIN: config.password ? 'yes' : 'no' });
  await docker(
    [
      'run', '-d', '--init', '--name', names.frontend, '--hostname', names.frontend, '--network', names.network, '--restart', 'unless-stopped',
      ...labelArgs(config, 'frontend'),
      ...hosts,
      '-p', `${config.sshAddress}:${config.sshPort || ''}:22`,
      // the REST API on this host only: what a token allows is a user's whole cluster
      ...(rest ? ['-p', `127.0.0.1:${config.restPort || ''}:${rest.port}`] : []),
      '-v', `${homeSource(config)}:/home`, '-v', `${names.secretsVolume}:/etc/ec4docker/secrets`, ...engineAccess,
      '-v', `${names.stateVolume}:/var/lib/ec4docker`,
      // the ready mark lives here: gone when the frontend stops, so a restart is not ready early
      '--tmpfs', '/run/ec4docker:size=1m,mode=0755',
      ...CONTAINER_CAPS,
      ...env.flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      config.frontendImage,
    ],
    `start frontend ${names.frontend}`,
  );
}

// The line an entrypoint logs once its container is ready (lib.sh: the frontend's scheduler
// answers and its nodes are held; a service's daemon answers).
const READY_LINE = /^ec4docker: .*: ready$/m;

/**
 * Waits until a new container logged that it is ready (reading its log costs the engine far less
 * than an exec); fails early with the log if it stopped.
 */
async function waitForReady(container: string, what: string): Promise<void> {
  const ready = await waitFor(async () => {
    const state = await containerState(container);
    if (state !== 'running') return `stopped:${state ?? 'gone'}`;
    const logs = await dockerTry(['logs', '--tail', '200', container], undefined, 'logs');
    return READY_LINE.test(logs.stderr) ? 'ready' : undefined;
  }, READY_TIMEOUT_MS, 200);
  if (ready === 'ready') return;
  const logs = await dockerTry(['logs', '--tail', '5', container], undefined, 'logs');
  const why = ready === undefined ? `did not answer within ${READY_TIMEOUT_MS / 1000} s` : `stopped (${ready.slice(8)})`;
  throw new UserError(`${what} ${container} ${why}; last log line: ${lastLine(logs.stdout + '\n' + logs.stderr) || 'none'}`);
}

/**
 * A container beside the frontend (Slurm's accounting database), with its data volume: made if
 * missing (a volume kept by -t holds an earlier cluster's data, which it goes on with).
 */
async function startService(config: Config, names: ClusterNames, spec: ServiceSpec, logs: string[], created: Made[]): Promise<void> {
  const name = serviceName(config, spec.role);
  const volume = serviceName(config, spec.dataVolume.role);
  await ensureVolume(config, spec.dataVolume.role, volume, created);
  await docker(
    [
      'run', '-d', '--init', '--name', name, '--hostname', name, '--network', names.network, '--restart', 'unless-stopped',
      ...labelArgs(config, spec.role), ...logs,
      // secrets writable: the first of it and the frontend makes the cluster's keys
      '-v', `${names.secretsVolume}:/etc/ec4docker/secrets`, '-v', `${volume}:${spec.dataVolume.mount}`,
      '--tmpfs', '/run/ec4docker:size=1m,mode=0755',
      ...CONTAINER_CAPS, '--security-opt', 'no-new-privileges', '--memory', spec.memory, '--pids-limit', '512',
      ...Object.entries({ EC4DOCK_SERVERNAME: config.serverName, ...spec.env }).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      spec.image,
    ],
    `start ${spec.role} ${name}`,
  );
}

/**
 * Makes the cluster's network if there is none by that name; returns its node range label.
 * Refuses one ec4docker did not make where the middleware's nodes need fixed addresses.
 */
async function ensureNetwork(config: Config, network: string, created: Made[]): Promise<string | undefined> {
  let labels = await inspectLabels('network', network);
  if (labels === undefined) {
    await createNetwork(config, network);
    created.push({ kind: 'network', name: network });
    labels = (await inspectLabels('network', network)) ?? {};
  }
  const middleware = middlewareNamed(config.middleware);
  if (!labels[LABEL_NODE_RANGE] && middleware.fixedNodeAddresses) {
    throw new UsageError(`network ${network} was not made by ec4docker: ${middleware.title} nodes need the fixed addresses of a network setup-cluster creates; choose a new EC4DOCK_NETWORK name`);
  }
  return labels[LABEL_NODE_RANGE];
}

/**
 * Creates the cluster's network with its addresses split (lib/core/addresses.ts): the engine picks
 * a free subnet first, then the network is made again on it with the lower half for the engine.
 */
async function createNetwork(config: Config, network: string): Promise<void> {
  if (config.orchestrator === 'swarm') {
    // Across the Swarm's hosts; attachable: the frontend is a container of the manager's engine.
    // Its nodes take any address (the middleware resolves a node when it registers).
    await docker(['network', 'create', '--driver', 'overlay', '--attachable', ...labelArgs(config, 'network'), network], `create network ${network}`);
    return;
  }
  await docker(['network', 'create', ...labelArgs(config, 'network'), network], `create network ${network}`);
  let plan: NodeAddressPlan;
  try {
    plan = planNodeAddresses(await networkSubnet(network), config.maxNodes);
  } finally {
    await docker(['network', 'rm', network], `remove network ${network}`);
  }
  await docker(
    ['network', 'create', '--subnet', plan.subnet, '--ip-range', plan.ipRange, ...labelArgs(config, 'network'), '--label', `${LABEL_NODE_RANGE}=${plan.nodeRange}`, network],
    `create network ${network}`,
  );
}

/**
 * `--add-host` for every node: a scheduler that takes a node only under a name it can resolve
 * gets every node's fixed address before the node's container runs (Docker's DNS knows a
 * container's name only while it runs).
 */
function nodeHosts(nodes: string[], nodeRange: string): string[] {
  return nodes.flatMap((node, i) => ['--add-host', `${node}:${nodeAddress(nodeRange, i + 1)}`]);
}

/**
 * Waits for every step (so that a rollback then finds all they made) and fails with the first
 * failure, or returns their results.
 */
async function settleAll<T extends readonly unknown[]>(steps: [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(steps);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Makes a labelled volume if there is none by that name (one there holds a kept cluster's data). */
async function ensureVolume(config: Config, role: Role, name: string, created: Made[]): Promise<void> {
  if ((await inspectLabels('volume', name)) !== undefined) return;
  await docker(['volume', 'create', ...labelArgs(config, role), name], `create volume ${name}`);
  created.push({ kind: 'volume', name });
}

/**
 * Removes what this run created (and any container carrying the cluster's label). It runs after
 * a failure, whose message the user gets: a step failing here must not hide that one.
 */
async function rollback(config: Config, created: Made[]): Promise<void> {
  const containers = await listContainers(clusterFilter(config.serverName)).catch(() => []);
  await removeContainers(containers.map((c) => c.id)).catch(() => undefined);
  if (config.orchestrator === 'swarm') {
    const { services } = await swarmResources(config.serverName).catch(() => ({ services: [] }));
    await removeSwarmObjects('service', services.map((s) => s.name)).catch(() => undefined);
  }
  for (const r of [...created].reverse()) await dockerTry([r.kind, 'rm', r.name]);
}
