// setup-cluster: creates, lists or terminates a cluster on the Docker engine (runs on the host).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { createCluster } from '../lib/cluster/create.ts';
import { clusterResources } from '../lib/cluster/list.ts';
import { terminateCluster } from '../lib/cluster/terminate.ts';
import { parseConfigText } from '../lib/core/config.ts';
import { UsageError, UserError } from '../lib/core/errors.ts';
import { flagValue, parseFlags } from '../lib/io/cli.ts';
import { engineCpus, useEngine } from '../lib/io/docker.ts';
import { tryLock } from '../lib/io/lock.ts';
import { resolveClusterConfig } from '../lib/middleware/registry.ts';

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

/** Asks on the terminal; without one the answer is no (scripts pass -y). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The config file's values ({} without -f). */
function readConfigFile(file: string | undefined): Record<string, string> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigText(text, file);
}

export async function setupCluster(argv: string[]): Promise<void> {
  const args = parseFlags(argv, { string: ['f', ...Object.keys(FLAG_KEYS)], boolean: ['t', 'l', 'd', 'y', 'h', 'purge'], alias: { h: 'help' } });
  if (args.h) return console.log(USAGE);
  if (args._.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(String(args._[0]))} (see -h)`);
  if ([args.t, args.l, args.d].filter(Boolean).length > 1) throw new UsageError('choose one of -t, -l and -d');
  const configFile = flagValue(args, 'f');
  const overrides: Record<string, string | undefined> = Object.fromEntries(Object.entries(FLAG_KEYS).map(([flag, key]) => [key, flagValue(args, flag)]));
  // -d is the original's static variant: every node on now, and none powered off by itself.
  if (args.d) overrides.EC4DOCK_ELASTICITY = 'none';
  const config = resolveClusterConfig(configFile ?? '', readConfigFile(configFile), overrides);
  useEngine(config.dockerHost);
  const cpus = await engineCpus();

  if (args.l) return printResources(config.serverName, await clusterResources(config));
  // One setup-cluster at a time per cluster on this host: a second one would tear down (or roll
  // back) what the first is making.
  if (!(await tryLock(`ec4docker-setup-${config.serverName}`))) {
    throw new UserError(`another setup-cluster is creating or terminating cluster ${config.serverName}; nothing was changed`);
  }
  if (args.t) return terminateCluster(config, { purge: Boolean(args.purge), yes: Boolean(args.y), confirm });
  await createCluster({ ...config, nodeCpus: config.nodeCpus || cpus }, { yes: Boolean(args.y), deploy: Boolean(args.d), confirm });
}

function printResources(cluster: string, rows: string[][]): void {
  if (rows.length === 0) return console.log(`no cluster named ${cluster}`);
  const widths = [9, Math.max(4, ...rows.map((r) => r[1].length)), 8];
  console.log(['KIND'.padEnd(widths[0]), 'NAME'.padEnd(widths[1]), 'ROLE'.padEnd(widths[2]), 'STATE'].join('  '));
  for (const r of rows) console.log([r[0].padEnd(widths[0]), r[1].padEnd(widths[1]), r[2].padEnd(widths[2]), r[3]].join('  ').trimEnd());
}
