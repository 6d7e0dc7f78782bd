// Slurm as an ec4docker middleware: everything about it that differs from the others.
import type { Middleware } from '../middleware/types.ts';
import { slurmScheduler } from './adapter.ts';
import { SLURMRESTD_PORT } from './conf.ts';
import { SLURM_PROGRAMS } from './programs.ts';

export const slurm: Middleware = {
  name: 'slurm',
  title: 'SLURM',
  ownPowerSaving: true,
  fixedNodeAddresses: false, // slurmctld resolves a node when it registers
  // 24.11 lists powered-down CLOUD nodes; 22.05 hid them without PrivateData=cloud (fixture 11).
  unlisted: 'hidden',
  jobList: { argv: ['squeue', '-h', '-o', '%i'], count: (out) => out.split('\n').filter(Boolean).length },
  restApi: {
    port: SLURMRESTD_PORT,
    usage: (url, frontend) => [
      `REST API (slurmrestd): ${url}; with a token for ubuntu, valid one hour:`,
      `  export $(docker exec -u ubuntu ${frontend} scontrol token lifespan=3600)`,
      `  curl -H "X-SLURM-USER-NAME: ubuntu" -H "X-SLURM-USER-TOKEN: $SLURM_JWT" ${url}/slurm/v0.0.42/nodes`,
    ],
  },
  // Accounting: MariaDB and slurmdbd in a container of their own (dockerfiles/slurm/db).
  services: (config) => (config.accounting ? [{
    role: 'db', image: config.dbImage, dataVolume: { role: 'accounting', mount: '/var/lib/ec4docker/db' },
    env: { EC4DOCK_REST_API: config.restApi ? 'yes' : 'no' },
    memory: '1g',
  }] : []),
  programs: SLURM_PROGRAMS,
  scheduler: slurmScheduler,
};
