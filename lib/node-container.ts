// How a working-node container is started and removed (by every middleware's power-on and power-off).
import { nodeAddress } from './addresses.ts';
import { clusterNames, labelArgs } from './cluster.ts';
import type { Config } from './config.ts';
import { docker, networkNodeRange, removeContainers } from './docker.ts';
import { limiter } from './run.ts';

// No --privileged (it cannot even start here): Docker's default set, less what neither sshd,
// munged, slurmd nor cron use. slurmd needs SETUID/SETGID/KILL to run jobs as their users.
export const CONTAINER_CAPS = [
  '--cap-drop', 'ALL',
  ...['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE']
    .flatMap((cap) => ['--cap-add', cap]),
];

// The engine starts 50 containers sooner 8 at a time than all at once (measured here: 8.2-9.9 s
// against 9.7-11.1 s), and the first nodes boot while the rest wait.
const dockerRuns = limiter(8);

/** Starts the container of one working node, replacing any stale container of that name. */
export async function startNodeContainer(config: Config, node: string): Promise<void> {
  const names = clusterNames(config);
  const address = await nodeIp(config, node);
  const run = () => docker(
    [
      'run', '-d', '--init', '--name', node, '--hostname', node, '--network', names.network,
      ...(address ? ['--ip', address] : []),
      ...labelArgs(config, 'node', node),
      '-v', `${names.homeVolume}:/home`, '-v', `${names.secretsVolume}:/etc/ec4docker/secrets:ro`,
      ...CONTAINER_CAPS,
      '-e', `EC4DOCK_SERVERNAME=${config.serverName}`,
      config.workerImage,
    ],
    `start node ${node}`,
  );
  await dockerRuns(async () => {
    try {
      await run();
    } catch (error) {
      // A stale container of that name (a crash, a failed power-on): remove it, then once more.
      // Checking first would cost a docker call on every power-on.
      if (!String(error).includes('is already in use')) throw error;
      await removeContainers([node]);
      await run();
    }
  });
}

/** Removes the container of one working node; a missing container counts as removed. */
export const removeNodeContainer = (node: string): Promise<void> => removeContainers([node]);

/**
 * The node's fixed address (lib/addresses.ts), or undefined on a network ec4docker did not make
 * (no node range label): there the engine picks it.
 */
export async function nodeIp(config: Config, node: string): Promise<string | undefined> {
  const range = await networkNodeRange(clusterNames(config).network);
  return range ? nodeAddress(range, Number(node.slice(config.nodeBaseName.length))) : undefined;
}
