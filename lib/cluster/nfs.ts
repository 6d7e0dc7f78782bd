// EC4DOCK_SHARED_HOME=nfs: the cluster's /home volume served over NFSv4 by a container of its own on
// the manager (ec4docker:nfs, nfs-ganesha in userspace), to the Swarm's hosts only; their engines
// mount it for the nodes (lib/backend/swarm.ts, nfsHomeMount).
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { clusterNames, labelArgs, NODE_CAPS, serviceName } from '../core/names.ts';
import { dockerError, dockerFailure, dockerTry } from '../io/docker.ts';
import { swarmHostAddresses } from './swarm.ts';

export const NFS_IMAGE = 'ec4docker:nfs';

/**
 * Starts the NFS server, its port published on the address the hosts reach. It alone has what
 * ganesha's file handles need (DAC_READ_SEARCH, SYS_ADMIN): the frontend has neither.
 */
export async function startNfsServer(config: Config, logs: string[]): Promise<void> {
  const name = serviceName(config, 'nfs');
  const clients = await swarmHostAddresses();
  const args = [
    'run', '-d', '--init', '--name', name, '--hostname', name, '--restart', 'unless-stopped', ...labelArgs(config, 'nfs'), ...logs,
    '-p', `${config.nfsAddress}:2049:2049`, '-v', `${clusterNames(config).homeVolume}:/home`,
    '--cap-drop', 'ALL', ...[...NODE_CAPS, 'DAC_READ_SEARCH', 'SYS_ADMIN'].flatMap((cap) => ['--cap-add', cap]),
    '--security-opt', 'no-new-privileges', '--memory', '256m', '--pids-limit', '256',
    '-e', `EC4D_NFS_CLIENTS=${clients.join(',')}`, NFS_IMAGE,
  ];
  const result = await dockerTry(args);
  if (result.exitCode === 0) return;
  if (/assign requested address|address already in use|port is already allocated/i.test(result.stderr)) throw unreachable(config, `it cannot listen there: ${dockerError(result.stderr)}`);
  throw dockerFailure(args, `start the NFS server ${name}`, result);
}

/** Checks from the manager's own network that the NFS server answers where the hosts will mount it. */
export async function checkNfsReachable(config: Config): Promise<void> {
  const probe = await dockerTry(['run', '--rm', '--network', 'host', '--entrypoint', 'bash', NFS_IMAGE, '-c', `timeout 3 bash -c 'exec 3<>/dev/tcp/${config.nfsAddress}/2049'`]);
  if (probe.exitCode !== 0) throw unreachable(config, 'nothing answers there');
}

const unreachable = (config: Config, why: string): UserError =>
  new UserError(`EC4DOCK_NFS_ADDRESS=${config.nfsAddress}: the cluster's NFS server is not reachable at ${config.nfsAddress}:2049 (${why}); set an address of the manager that every host reaches`);

