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
  // qstat prints a header, then one line per job: its id first, its state fifth ('C': completed,
  // shown for keep_completed, not a job to wait for).
  jobList: { argv: ['qstat'], count: (out) => out.split('\n').filter((l) => /^\d+(\[\d*\])?\.\S+\s/.test(l) && l.trim().split(/\s+/)[4] !== 'C').length },
  programs: {},
  scheduler: torqueScheduler,
};
