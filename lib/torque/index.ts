// Torque as an ec4docker middleware: everything about it that differs from the others.
import type { Middleware } from '../middleware/types.ts';
import { torqueScheduler } from './adapter.ts';

export const torque: Middleware = {
  name: 'torque',
  title: 'TORQUE',
  ownPowerSaving: false,
  // pbs_server creates a node only under a name it can resolve, before the node's container runs.
  fixedNodeAddresses: true,
  unlisted: 'off',
  missingImage: (image) => `image ${image} not found, and Torque images cannot be built from Debian (it has no Torque package): build them where a registry is reachable with TORQUE_BASE=fedora:41 npm run images -- torque (see README, "Torque"), or use ec4docker-slurm.config or ec4docker-sge.config`,
  // qstat prints a header, then one line per job starting with its id.
  jobList: { argv: ['qstat'], count: (out) => out.split('\n').filter((l) => /^\d+(\[\d*\])?\.\S+\s/.test(l)).length },
  programs: {},
  scheduler: torqueScheduler,
};
