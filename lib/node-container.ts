// How a working-node container is started and removed (used by Slurm's resume/suspend programs).
import { clusterNames, labelArgs } from '../lib/cluster.ts';
import type { Config } from '../lib/config.ts';
import { docker, removeContainers } from '../lib/docker.ts';

// No --privileged (it cannot even start here): Docker's default set, less what neither sshd,
// munged, slurmd nor cron use. slurmd needs SETUID/SETGID/KILL to run jobs as their users.
export const CONTAINER_CAPS = [
  '--cap-drop', 'ALL',
  ...['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE']
    .flatMap((cap) => ['--cap-add', cap]),
];

/** Starts the container of one working node, replacing any stale container of that name. */
export async function startNodeContainer(config: Config, node: string): Promise<void> {
  const names = clusterNames(config);
  const run = () => docker(
    [
      'run', '-d', '--init', '--name', node, '--hostname', node, '--network', names.network,
      ...labelArgs(config, 'node', node),
      '-v', `${names.homeVolume}:/home`, '-v', `${names.secretsVolume}:/etc/ec4docker/secrets:ro`,
      ...CONTAINER_CAPS,
      '-e', `EC4DOCK_SERVERNAME=${config.serverName}`,
      config.workerImage,
    ],
    `start node ${node}`,
  );
  try {
    await run();
  } catch (error) {
    // A stale container of that name (a crash, a failed power-on): remove it, then once more.
    // Checking first would cost a docker call on every power-on.
    if (!String(error).includes('is already in use')) throw error;
    await removeContainers([node]);
    await run();
  }
}

/** Removes the container of one working node; a missing container counts as removed. */
export const removeNodeContainer = (node: string): Promise<void> => removeContainers([node]);
