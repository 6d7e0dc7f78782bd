// The node backend of one Docker engine: each working node is a container on it.
//
// Each node's network namespace lives in a container of its own, its netns container (like a
// Kubernetes pod's pause container): made with the cluster, kept while the node is off. The
// node's container joins it (`--network container:`), so a power-on does not wait for the engine
// to make a namespace and plug it into the network, the larger part of a container's start (see
// docs/benchmarks.md). The node keeps its name, address and hostname across power-ons.
//
// A powered-off node's container is made ahead, not started (a spare): its power-on is then a
// start alone, without the create (0.05-0.13 s of an idle engine's 0.6 s). Spares are an
// optimisation only: a node without one is made and started as before.
import { createHash } from 'node:crypto';
import { nodeAddress } from '../core/addresses.ts';
import { type Config, memoryBytes } from '../core/config.ts';
import { clusterFilter, clusterNames, homeSource, labelArgs, isSpare, LABEL_CLUSTER, LABEL_NODE, LABEL_ROLE, LABEL_SPARE, netnsName, NODE_CAPS, resourceLabels } from '../core/names.ts';
import { type ContainerCreate, type ContainerDetails, type ContainerSummary, createContainer, type DockerResult, dockerFailure, dockerTry, imageId, inspectContainer, lastLogLine, listContainers, networkNodeRange, removeContainers, runArgs, runContainer, startContainer } from '../io/docker.ts';
import { engineApi } from '../io/engine-api.ts';
import { limiter, waitFor } from '../io/run.ts';
import { CUT_OFF, type NodeBackend, startedRecently } from './types.ts';

/** `docker run` arguments for the capabilities of a node or the frontend (NODE_CAPS). */
export const CONTAINER_CAPS = ['--cap-drop', 'ALL', ...NODE_CAPS.flatMap((cap) => ['--cap-add', cap])];

// The engine starts many containers sooner 8 at a time than all at once, and the first nodes
// boot while the rest wait.
const dockerRuns = limiter(8);
// Spares are made one at a time, beside the power-ons, whose starts come first.
const spareMakes = limiter(1);
const SPARE_RETRY_MS = 30_000;

/** Why a node's `docker run` failed, when starting it again can mend it. */
type Mendable = 'name in use' | 'no netns';

/** Classifies a failed `docker run` of a node or netns container by the engine's message. */
export function mendable(stderr: string): Mendable | undefined {
  if (/is already in use/.test(stderr)) return 'name in use'; // a stale container: a crash, a failed power-on
  // Its netns container is missing or stopped: removed by hand, or stopped with the engine.
  if (/No such container: \S+-netns|cannot join network of a non running container/.test(stderr)) return 'no netns';
  return undefined;
}

/** The backend of the engine that DOCKER_HOST (or the default) names, for one cluster. */
export function engineBackend(config: Config): NodeBackend {
  let spares = new Set<string>(); // as the last list() found them
  const making = new Set<string>();
  const refusedAt = new Map<string, number>(); // a create refused (its name taken, its netns gone): not asked again for a while
  return {
    prepare: (nodes) => startNetnsContainers(config, nodes),
    start: (node) => startNodeContainer(config, node),
    remove: (node, madeBefore) => removeOwn(config, 'node', node, madeBefore),
    async list() {
      const containers = await listContainers(clusterFilter(config.serverName));
      spares = new Set(containers.filter(isSpare).map((c) => c.labels[LABEL_NODE]));
      return nodeContainersOf(containers);
    },
    keepSpares(nodes) {
      if (!engineApi()) return; // over the CLI, a create and a start cost a process each either way
      for (const node of nodes) {
        if (spares.has(node) || making.has(node) || Date.now() - (refusedAt.get(node) ?? 0) < SPARE_RETRY_MS) continue;
        making.add(node);
        void spareMakes(() => makeSpare(config, node))
          .then((made) => (made ? refusedAt.delete(node) : refusedAt.set(node, Date.now())), () => refusedAt.set(node, Date.now()))
          .finally(() => making.delete(node));
      }
    },
    async removeOrphan(node) {
      const [own] = (await ownContainers(config, 'node', node)).filter((c) => !isSpare(c));
      if (!own) return undefined;
      const log = await lastLogLine(own.id); // why it is there, e.g. a slurmd that never registered
      await removeContainers([own.id]);
      return { log };
    },
    lastLog: lastLogLine,
  };
}

/** A node's container as the engine API takes it: the node's part of the host, and no more. */
export function nodeContainer(config: Config, node: string): ContainerCreate {
  const names = clusterNames(config);
  return {
    Image: config.workerImage,
    Env: [`EC4DOCK_SERVERNAME=${config.serverName}`],
    Labels: resourceLabels(config, 'node', node),
    HostConfig: {
      Init: true,
      NetworkMode: `container:${netnsName(node)}`,
      Binds: [`${homeSource(config)}:/home`, `${names.secretsVolume}:/etc/ec4docker/secrets:ro`],
      CapDrop: ['ALL'],
      CapAdd: [...NODE_CAPS],
      // What one node (so one job) may take of the host; no process in it may gain privileges.
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: config.nodePids,
      Memory: memoryBytes(config.nodeMemory),
      NanoCpus: Math.round(config.nodeCpuLimit * 1e9),
    },
  };
}

/** Starts the container of one working node: its spare, else a new one, replacing a stale container and mending its netns container. */
async function startNodeContainer(config: Config, node: string): Promise<void> {
  const spec = nodeContainer(config, node);
  await dockerRuns(async () => {
    if (engineApi() && (await startSpare(config, node, spec))) return;
    await runMending(() => runContainer(node, spec), runArgs(node, spec), `start node ${node}`, async (why) => {
      // A spare made meanwhile (by clues-monitor) is in the way: started.
      if (why === 'name in use' && engineApi() && (await startSpare(config, node, spec))) return 'kept';
      // Asked again while it boots (Slurm repeats a power-up it is asked for twice): left to boot.
      if (why === 'name in use' && (await bootingNow(config, node))) return 'kept';
      await removeOwn(config, 'node', node); // a container made whose start failed is left by the run
      if (why === 'no netns') await startNetns(config, node);
    });
  });
}

/** When a node container's power-on was (epoch ms): a spare's start, any other's creation; a spare never started, never. */
export function poweredOnAt(c: Pick<ContainerDetails, 'created' | 'startedAt' | 'labels' | 'state'>): number {
  if (c.labels[LABEL_SPARE] === undefined) return c.created;
  const started = Date.parse(c.startedAt);
  return c.state === 'created' || !Number.isFinite(started) ? -Infinity : started;
}

/** The hash of a node container's settings, that a spare carries: one made otherwise is not started. */
export const specHash = (spec: ContainerCreate): string => createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);

/** Makes a node's spare; false if the engine refused (a container already there by its name is left alone). */
async function makeSpare(config: Config, node: string): Promise<boolean> {
  const spec = nodeContainer(config, node);
  return (await createContainer(node, { ...spec, Labels: { ...spec.Labels, [LABEL_SPARE]: specHash(spec) } })).id !== undefined;
}

/**
 * Starts the node's spare if it has one made from these settings and today's image; true if it
 * runs. A spare made otherwise, or that does not start (its netns container gone), is removed.
 */
async function startSpare(config: Config, node: string, spec: ContainerCreate): Promise<boolean> {
  const [own, image] = await Promise.all([ownByName(config, 'node', node), imageId(spec.Image)]);
  if (!own || !isSpare(own)) return false;
  if (own.labels[LABEL_SPARE] !== specHash(spec) || own.image !== image || (await startContainer(own.id)) !== '') {
    await removeContainers([own.id]).catch(() => undefined);
    return false;
  }
  return true;
}

/**
 * Whether this cluster's container of the node runs and started within the power-on limit. One
 * just created is being started by someone else (clues-monitor and slurm-resume may both start a
 * node): its start is awaited for a few seconds rather than cut short.
 */
async function bootingNow(config: Config, node: string): Promise<boolean> {
  const own = await waitFor(async () => {
    const [found] = await ownContainers(config, 'node', node);
    return found?.state === 'created' ? undefined : (found ?? null);
  }, 5_000, 100);
  if (!own || own.state !== 'running') return false;
  const startedAt = (await inspectContainer(own.id))?.startedAt ?? '';
  return startedRecently(startedAt, Date.now(), config.maxWaitPowerOnSeconds);
}

/**
 * Runs a container; when it fails in a way `mend` can put right, mends and runs it again.
 * Checking first would cost engine calls on every power-on: try, and mend what failed.
 */
async function runMending(runIt: () => Promise<DockerResult>, args: string[], action: string, mend: (why: Mendable) => Promise<'kept' | void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await runIt();
    if (result.exitCode === 0) return;
    const why = mendable(result.stderr);
    if (why === undefined || attempt === 3) throw dockerFailure(args, action, result);
    if ((await mend(why)) === 'kept') return; // what is there already does
  }
}

/** Makes the netns containers of the given nodes, 8 at a time. */
async function startNetnsContainers(config: Config, nodes: string[]): Promise<void> {
  await Promise.all(nodes.map((node) => dockerRuns(() => startNetns(config, node))));
}

/**
 * Makes one node's netns container: on the cluster's network, at the node's fixed address, with
 * the node's hostname and its name as DNS alias. It only sleeps (0.4 MiB), in the frontend's image
 * (present wherever the frontend runs), with no capability at all.
 */
async function startNetns(config: Config, node: string): Promise<void> {
  const address = await nodeIp(config, node);
  const args = [
    'run', '-d', '--name', netnsName(node), '--hostname', node,
    '--network', clusterNames(config).network, ...(address ? ['--ip', address] : []), '--network-alias', node,
    ...labelArgs(config, 'netns', node),
    // not the frontend image's health check: nothing runs here to check, and 50 checks cost CPU
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '16', '--restart', 'unless-stopped',
    '--stop-signal', 'SIGKILL', '--no-healthcheck', '--entrypoint', 'sleep', config.frontendImage, 'infinity',
  ];
  // A netns container of that name is a stopped one (engine restarted), or one a crash left.
  await runMending(() => dockerTry(args), args, `start the network of node ${node}`, async () => void (await removeOwn(config, 'netns', node)));
}

/**
 * This cluster's containers of one node in one role, found by their labels: a container someone
 * else made under a node's name is never this cluster's, and is left alone.
 */
const ownContainers = (config: Config, role: 'node' | 'netns', node: string): Promise<ContainerSummary[]> =>
  listContainers([...clusterFilter(config.serverName, role), '--filter', `label=${LABEL_NODE}=${node}`]);

/**
 * Removes this cluster's container of a node in a role, by its id; none there counts as removed.
 * With `madeBefore` (epoch ms), only one made before then: for a spare, started before then (made
 * ahead, it is the power-on of when it was started).
 */
async function removeOwn(config: Config, role: 'node' | 'netns', node: string, madeBefore?: number): Promise<void> {
  const own = await ownByName(config, role, node);
  if (own && (madeBefore === undefined || poweredOnAt(own) < madeBefore)) await removeContainers([own.id]);
}

/**
 * This cluster's container of a node in a role, by the name it is always made with, in one
 * inspect (a power-off's removal waits for it): none, or someone else's by that name, is undefined.
 */
async function ownByName(config: Config, role: 'node' | 'netns', node: string): Promise<ContainerDetails | undefined> {
  const own = await inspectContainer(role === 'node' ? node : netnsName(node));
  const labels = own?.labels ?? {};
  return labels[LABEL_CLUSTER] === config.serverName && labels[LABEL_ROLE] === role && labels[LABEL_NODE] === node ? own : undefined;
}

/**
 * The node containers among a cluster's containers, by node name (from their label); a spare is
 * not one (its node is off, and stays so until it is started). One running
 * while its netns container is not is cut off from the network for good (a namespace that is
 * made again is a new one): it gets the state CUT_OFF, which is not 'running'.
 */
export function nodeContainersOf(containers: ContainerSummary[]): Map<string, ContainerSummary> {
  const netnsRunning = new Set(containers.filter((c) => c.labels[LABEL_ROLE] === 'netns' && c.state === 'running').map((c) => c.labels[LABEL_NODE]));
  const nodes = containers.filter((c) => c.labels[LABEL_ROLE] === 'node' && !isSpare(c));
  return new Map(nodes.map((c) => {
    const node = c.labels[LABEL_NODE] ?? c.name;
    return [node, c.state === 'running' && !netnsRunning.has(node) ? { ...c, state: CUT_OFF } : c];
  }));
}

/**
 * The node's fixed address (lib/core/addresses.ts), or undefined on a network ec4docker did not make
 * (no node range label): there the engine picks it.
 */
async function nodeIp(config: Config, node: string): Promise<string | undefined> {
  const range = await networkNodeRange(clusterNames(config).network);
  return range ? nodeAddress(range, Number(node.slice(config.nodeBaseName.length))) : undefined;
}
