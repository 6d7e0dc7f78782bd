// Slurm as an ec4docker middleware: everything about it that differs from the others.
import type { Middleware } from '../middleware/types.ts';
import { slurmScheduler } from './adapter.ts';
import { SLURM_PROGRAMS } from './programs.ts';

export const slurm: Middleware = {
  name: 'slurm',
  title: 'SLURM',
  ownPowerSaving: true,
  fixedNodeAddresses: false, // slurmctld resolves a node when it registers
  // Slurm without PrivateData=cloud does not list powered-down CLOUD nodes.
  unlisted: 'hidden',
  jobList: { argv: ['squeue', '-h', '-o', '%i'], count: (out) => out.split('\n').filter(Boolean).length },
  programs: SLURM_PROGRAMS,
  scheduler: slurmScheduler,
};
