// setup-cluster: creates, lists or terminates a cluster on the Docker engine (runs on the host).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { flagValue, parseFlags } from '../lib/cli.ts';
import { type NodeAddressPlan, nodeAddress, planNodeAddresses } from '../lib/addresses.ts';
import { clusterFilter, clusterNames, labelArgs, LABEL_MIDDLEWARE, LABEL_NODE_RANGE, LABEL_ROLE, netnsName, type ClusterNames } from '../lib/cluster.ts';
import { type Config, configToEnv, type Middleware, parseConfigText, resolveConfig } from '../lib/config.ts';
import {
  type ContainerSummary,
  containerState,
  docker,
  dockerOk,
  engineCpus,
  imageLabels,
  inspectLabels,
  listContainers,
  listNamed,
  networkSubnet,
  publishedPort,
  removeContainers,
  useEngine,
} from '../lib/docker.ts';
import { UsageError, UserError } from '../lib/errors.ts';
import { $, lastLine, waitFor } from '../lib/run.ts';
import { JOB_LIST } from '../lib/scheduler.ts';
import { generateEd25519 } from '../lib/sshkey.ts';
import { CONTAINER_CAPS, startNetnsContainers } from '../lib/node-container.ts';

const USAGE = `usage: setup-cluster [-f CONFIG] [options]
Creates the cluster described by CONFIG (KEY=VALUE, e.g. ec4docker-slurm.config); options override it.
  -f FILE     config file
  -s NAME     server (frontend) name        EC4DOCK_SERVERNAME
  -b NAME     working-node base name        EC4DOCK_NODEBASENAME
  -N COUNT    maximum number of nodes       EC4DOCK_MAXNODES
  -F IMAGE    frontend image                EC4DOCK_FRONTEND_IMAGENAME
  -w IMAGE    working-node image            EC4DOCK_WN_IMAGENAME
  -n NETWORK  Docker network                EC4DOCK_NETWORK
  -H HOST     Docker engine address         EC4DOCK_DOCKER_HOST
  -d          static cluster: power every node on now, none off by itself (EC4DOCK_ELASTICITY=none)
  -l          list the cluster's resources
  -t          terminate the cluster (its /home volume is kept; add --purge to remove it too)
  -y          assume yes: replace an existing cluster, terminate one that has jobs
  -h          this help
Exit codes: 0 done, 1 Docker or the scheduler refused, 2 bad option or configuration (nothing changed).`;

const FLAG_KEYS: Record<string, string> = {
  s: 'EC4DOCK_SERVERNAME',
  b: 'EC4DOCK_NODEBASENAME',
  N: 'EC4DOCK_MAXNODES',
  F: 'EC4DOCK_FRONTEND_IMAGENAME',
  w: 'EC4DOCK_WN_IMAGENAME',
  n: 'EC4DOCK_NETWORK',
  H: 'EC4DOCK_DOCKER_HOST',
};
const READY_TIMEOUT_MS = 90_000;

export async function setupCluster(argv: string[]): Promise<void> {
  const args = parseFlags(argv, { string: ['f', ...Object.keys(FLAG_KEYS)], boolean: ['t', 'l', 'd', 'y', 'h', 'purge'], alias: { h: 'help' } });
  if (args.h) {
    console.log(USAGE);
    return;
  }
  if (args._.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(String(args._[0]))} (see -h)`);
  if ([args.t, args.l, args.d].filter(Boolean).length > 1) throw new UsageError('choose one of -t, -l and -d');
  const configFile = flagValue(args, 'f');
  let fileValues: Record<string, string> = {};
  if (configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read config file ${configFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    fileValues = parseConfigText(text, configFile);
  }
  const overrides: Record<string, string | undefined> = Object.fromEntries(Object.entries(FLAG_KEYS).map(([flag, key]) => [key, flagValue(args, flag)]));
  // -d is the original's static variant: every node on now, and none powered off by itself.
  if (args.d) overrides.EC4DOCK_ELASTICITY = 'none';
  const config = resolveConfig(configFile ?? '', fileValues, overrides);
  useEngine(config.dockerHost);
  const cpus = await engineCpus();
  const names = clusterNames(config);

  if (args.l) return listCluster(config);
  if (args.t) return terminateCluster(config, { purge: Boolean(args.purge), yes: Boolean(args.y) });
  await createCluster({ ...config, nodeCpus: config.nodeCpus || cpus }, names, { yes: Boolean(args.y), deploy: Boolean(args.d) });
}

async function listCluster(config: Config): Promise<void> {
  const containers = await listContainers(clusterFilter(config.serverName));
  const networks = await listNamed('network', clusterFilter(config.serverName));
  const volumes = await listNamed('volume', clusterFilter(config.serverName));
  if (containers.length + networks.length + volumes.length === 0) {
    console.log(`no cluster named ${config.serverName}`);
    return;
  }
  const rows = [
    ...containers.map((c) => ['container', c.name, c.labels[LABEL_ROLE] ?? '', c.state]),
    ...networks.map((n) => ['network', n.name, 'network', '']),
    ...volumes.map((v) => ['volume', v.name, v.labels[LABEL_ROLE] ?? '', '']),
  ];
  const widths = [9, Math.max(4, ...rows.map((r) => r[1].length)), 8];
  console.log(['KIND'.padEnd(widths[0]), 'NAME'.padEnd(widths[1]), 'ROLE'.padEnd(widths[2]), 'STATE'].join('  '));
  for (const r of rows) console.log([r[0].padEnd(widths[0]), r[1].padEnd(widths[1]), r[2].padEnd(widths[2]), r[3]].join('  ').trimEnd());
}

/** Number of jobs the cluster's scheduler holds, or 0 if the frontend does not answer. */
async function queuedJobs(frontend: ContainerSummary): Promise<number> {
  // The frontend's label, not the config: `-t -s NAME` alone names no middleware.
  const list = JOB_LIST[(frontend.labels[LABEL_MIDDLEWARE] ?? 'slurm') as Middleware] ?? JOB_LIST.slurm;
  const result = await $({ nothrow: true, timeout: '15s' })`docker exec ${frontend.name} ${list.argv}`;
  return result.exitCode === 0 ? list.count(result.stdout) : 0;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function terminateCluster(config: Config, options: { purge: boolean; yes: boolean }): Promise<void> {
  const name = config.serverName;
  const containers = await listContainers(clusterFilter(name));
  const frontend = containers.find((c) => c.labels[LABEL_ROLE] === 'frontend' && c.state === 'running');
  const jobs = frontend ? await queuedJobs(frontend) : 0;
  if (jobs > 0 && !options.yes && !(await confirm(`Cluster ${name} has ${jobs} job(s) queued or running; they will be lost. Terminate it?`))) {
    throw new UserError(`cluster ${name} has ${jobs} job(s) queued or running; wait for them, or terminate anyway with -y`);
  }
  // Nodes first, then the frontend (it would otherwise restart them), as Compose's down goes in reverse order.
  const ordered = [...containers].sort((a, b) => Number(a.labels[LABEL_ROLE] === 'frontend') - Number(b.labels[LABEL_ROLE] === 'frontend'));
  await removeContainers(ordered.filter((c) => c.labels[LABEL_ROLE] !== 'frontend').map((c) => c.id));
  await removeContainers(ordered.filter((c) => c.labels[LABEL_ROLE] === 'frontend').map((c) => c.id));
  // A node started while we removed the others would hold the network: sweep once more.
  await removeContainers((await listContainers(clusterFilter(name))).map((c) => c.id));
  const networks = await listNamed('network', clusterFilter(name));
  for (const n of networks) await docker(['network', 'rm', n.name], `remove network ${n.name}`);
  const volumes = await listNamed('volume', clusterFilter(name));
  let kept = '';
  for (const v of volumes) {
    if (v.labels[LABEL_ROLE] === 'home' && !options.purge) {
      kept = v.name;
      continue;
    }
    await docker(['volume', 'rm', v.name], `remove volume ${v.name}`);
  }
  const removed = containers.length + networks.length + volumes.length - (kept ? 1 : 0);
  if (removed === 0 && !kept) {
    console.log(`setup-cluster: warning: no resources found for cluster ${name}`);
    return;
  }
  console.log(`cluster ${name} terminated: ${containers.length} container(s), ${networks.length} network(s), ${volumes.length - (kept ? 1 : 0)} volume(s) removed`);
  if (kept) console.log(`kept volume ${kept} (the users' /home); it is reused by the next cluster named ${name}. Remove it with: setup-cluster -t --purge -s ${name}`);
}

/** Where the host keeps the cluster's SSH login key. */
export function hostKeyPath(serverName: string): string {
  return join(homedir(), '.ec4docker', serverName, 'id_ed25519');
}

function ensureHostKey(serverName: string): string {
  const keyFile = hostKeyPath(serverName);
  if (existsSync(keyFile) && existsSync(`${keyFile}.pub`)) return readFileSync(`${keyFile}.pub`, 'utf8').trim();
  mkdirSync(join(homedir(), '.ec4docker', serverName), { recursive: true, mode: 0o700 });
  const pair = generateEd25519(`ec4docker@${serverName}`);
  writeFileSync(keyFile, pair.privateKey, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(`${keyFile}.pub`, `${pair.publicKey}\n`, { mode: 0o644 });
  return pair.publicKey;
}

/** Refuses names taken by containers that are not this cluster's. */
async function checkNameConflicts(config: Config, names: ClusterNames): Promise<void> {
  const wanted = new Set([names.frontend, ...names.nodes, ...names.nodes.map(netnsName)]);
  const all = await listContainers([]);
  for (const c of all) {
    if (wanted.has(c.name) && c.labels['org.ec4docker.cluster'] !== config.serverName) {
      throw new UsageError(`a container named ${c.name} already exists and is not part of cluster ${config.serverName}; choose another name (-s or -b)`);
    }
  }
}

async function createCluster(config: Config, names: ClusterNames, options: { yes: boolean; deploy: boolean }): Promise<void> {
  for (const image of [config.frontendImage, config.workerImage]) {
    const labels = await imageLabels(image);
    if (labels === undefined && config.middleware === 'torque') {
      throw new UsageError(`image ${image} not found, and Torque images cannot be built from Debian 12 (it has no Torque package): build them where a registry is reachable with TORQUE_BASE=fedora:41 npm run images -- torque (see README, "Torque"), or use ec4docker-slurm.config or ec4docker-sge.config`);
    }
    if (labels === undefined) {
      throw new UsageError(`image ${image} not found; build the images with: npm run images -- ${config.middleware}`);
    }
    // An image of another middleware would start, then never join: say so now.
    const made = labels[LABEL_MIDDLEWARE];
    if (made !== undefined && made !== config.middleware) {
      throw new UsageError(`image ${image} is a ${made} image, but the cluster's middleware is ${config.middleware} (EC4DOCK_MIDDLEWARE)`);
    }
  }
  await checkNameConflicts(config, names);
  const existing = await listContainers(clusterFilter(config.serverName));
  if (existing.length > 0) {
    const question = `Cluster ${config.serverName} already exists (${existing.length} container(s)). Kill it and create it again?`;
    if (!options.yes && !(await confirm(question))) {
      throw new UserError(`cluster ${config.serverName} already exists; replace it with -y, or remove it with -t`);
    }
    await terminateCluster(config, { purge: false, yes: true });
  }

  const created: Array<{ kind: 'network' | 'volume'; name: string }> = [];
  try {
    let networkLabels = await inspectLabels('network', names.network);
    if (networkLabels === undefined) {
      await createNetwork(config, names.network);
      created.push({ kind: 'network', name: names.network });
      networkLabels = (await inspectLabels('network', names.network)) ?? {};
    }
    const nodeRange = networkLabels[LABEL_NODE_RANGE];
    if (!nodeRange && config.middleware === 'sge') {
      throw new UsageError(`network ${names.network} was not made by ec4docker: Grid Engine nodes need the fixed addresses of a network setup-cluster creates; choose a new EC4DOCK_NETWORK name`);
    }
    if ((await inspectLabels('volume', names.homeVolume)) === undefined) {
      await docker(['volume', 'create', ...labelArgs(config, 'home'), names.homeVolume], `create volume ${names.homeVolume}`);
      created.push({ kind: 'volume', name: names.homeVolume });
    }
    // Secrets are made new with every cluster: a fresh munge key and node keys.
    if ((await inspectLabels('volume', names.secretsVolume)) !== undefined) await docker(['volume', 'rm', names.secretsVolume], 'remove old secrets volume');
    await docker(['volume', 'create', ...labelArgs(config, 'secrets'), names.secretsVolume], `create volume ${names.secretsVolume}`);
    created.push({ kind: 'volume', name: names.secretsVolume });

    const publicKey = ensureHostKey(config.serverName);
    const env = Object.entries({ ...configToEnv(config), EC4D_AUTHORIZED_KEY: publicKey, EC4D_PASSWORD_LOGIN: config.password ? 'yes' : 'no' });
    const socket = config.dockerHost.startsWith('unix://') ? config.dockerHost.slice('unix://'.length) : '/var/run/docker.sock';
    const engineAccess = config.dockerHost === '' || config.dockerHost.startsWith('unix://')
      ? ['-v', `${socket}:/var/run/docker.sock`]
      : ['-e', `DOCKER_HOST=${config.dockerHost}`];
    await docker(
      [
        'run', '-d', '--init', '--name', names.frontend, '--hostname', names.frontend, '--network', names.network,
        ...labelArgs(config, 'frontend'),
        ...(config.middleware !== 'slurm' && nodeRange ? nodeHosts(names.nodes, nodeRange) : []),
        '-p', config.sshPort ? `${config.sshPort}:22` : '22',
        '-v', `${names.homeVolume}:/home`, '-v', `${names.secretsVolume}:/etc/ec4docker/secrets`, ...engineAccess,
        // the ready mark lives here: gone when the frontend stops, so a restart is not ready early
        '--tmpfs', '/run/ec4docker:size=1m,mode=0755',
        ...CONTAINER_CAPS,
        ...env.flatMap(([key, value]) => ['-e', `${key}=${value}`]),
        config.frontendImage,
      ],
      `start frontend ${names.frontend}`,
    );
    // The nodes' network namespaces are made while the frontend boots: power-ons then only join them.
    // Both settle before a failure rolls back, so that rollback finds every container made.
    const made = await Promise.allSettled([waitForFrontend(names.frontend), startNetnsContainers(config, names.nodes)]);
    for (const result of made) if (result.status === 'rejected') throw result.reason;
    if (config.password) {
      await docker(['exec', '-i', names.frontend, 'chpasswd'], 'set the ubuntu password', `ubuntu:${config.password}\n`);
    }
  } catch (error) {
    await rollback(config, created);
    throw error;
  }
  if (options.deploy) {
    const result = await $({ nothrow: true, timeout: `${config.maxWaitPowerOnSeconds + 60}s` })`docker exec ${names.frontend} /opt/ec4docker/poweron ${names.nodes}`;
    process.stdout.write(result.stdout);
    if (result.exitCode !== 0) throw new UserError(`cluster ${config.serverName} is up, but powering on its nodes failed: ${lastLine(result.stderr)}`);
  }
  const port = (await publishedPort(names.frontend, '22/tcp')).split(':').at(-1);
  console.log(`cluster ${config.serverName} is up: frontend ${names.frontend}, nodes ${names.nodes[0]}..${names.nodes.at(-1)} (${config.elasticity === 'none' ? 'powered on by hand' : `elastic: ${config.elasticity}`})`);
  console.log('enter it with either of:');
  console.log(`  ssh -i ${hostKeyPath(config.serverName)} -p ${port} ubuntu@localhost`);
  console.log(`  docker exec -it ${names.frontend} su - ubuntu`);
  console.log(`power nodes on by hand: docker exec ${names.frontend} /opt/ec4docker/poweron ${names.nodes[0]}`);
}

/** Waits until the frontend is ready (slurmctld answers, nodes held); fails early with the log if it died. */
async function waitForFrontend(frontend: string): Promise<void> {
  const ready = await waitFor(async () => {
    const state = await containerState(frontend);
    if (state !== 'running') return `stopped:${state ?? 'gone'}`;
    return (await dockerOk(['exec', frontend, 'test', '-e', '/run/ec4docker/ready'])) ? 'ready' : undefined;
  }, READY_TIMEOUT_MS, 250);
  if (ready === 'ready') return;
  const logs = await $({ nothrow: true, timeout: '10s' })`docker logs --tail 5 ${frontend}`;
  const why = ready === undefined ? `did not answer within ${READY_TIMEOUT_MS / 1000} s` : `stopped (${ready.slice(8)})`;
  throw new UserError(`frontend ${frontend} ${why}; last log line: ${lastLine(logs.stdout + '\n' + logs.stderr) || 'none'}`);
}

/**
 * Creates the cluster's network with its addresses split (lib/addresses.ts): the engine picks a
 * free subnet first, then the network is made again on it with the lower half for the engine.
 */
async function createNetwork(config: Config, network: string): Promise<void> {
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
 * `--add-host` for every node: Grid Engine's qmaster (and Torque's server) take a node only
 * under a name they can resolve, and Docker's DNS knows a container's name only while it runs. With fixed addresses the
 * frontend can know every node beforehand, so a node is registered before its container starts.
 */
function nodeHosts(nodes: string[], nodeRange: string): string[] {
  return nodes.flatMap((node, i) => ['--add-host', `${node}:${nodeAddress(nodeRange, i + 1)}`]);
}

/** Removes what this run created (and any container carrying the cluster's label). */
async function rollback(config: Config, created: Array<{ kind: 'network' | 'volume'; name: string }>): Promise<void> {
  const containers = await listContainers(clusterFilter(config.serverName)).catch(() => []);
  await removeContainers(containers.map((c) => c.id)).catch(() => undefined);
  for (const r of [...created].reverse()) await $({ nothrow: true, timeout: '30s' })`docker ${r.kind} rm ${r.name}`;
}
