// Grid Engine as an ec4docker middleware: everything about it that differs from the others.
import type { Middleware } from '../middleware/types.ts';
import { gridEngineScheduler } from './adapter.ts';
import { GRID_ENGINE_PROGRAMS } from './programs.ts';

export const gridEngine: Middleware = {
  name: 'sge',
  title: 'SGE',
  ownPowerSaving: false,
  // The qmaster takes a node only under a name it can resolve, before the node's container runs.
  fixedNodeAddresses: true,
  unlisted: 'off',
  // qstat prints two header lines, then one line per job (or array task range) starting with its number.
  jobList: { argv: ['qstat', '-u', '*'], count: (out) => out.split('\n').filter((l) => /^\s*\d+\s/.test(l)).length },
  programs: GRID_ENGINE_PROGRAMS,
  scheduler: gridEngineScheduler,
};
