// Inside the frontend: the cluster's config, written by the entrypoint from the container's
// EC4DOCK_* environment, so that commands started by slurmctld (with no environment) see it too.
import { readFileSync } from 'node:fs';
import { type Config, parseConfigText, resolveConfig } from './config.ts';
import { UserError } from './errors.ts';

export const CLUSTER_ENV_FILE = process.env.EC4D_CLUSTER_ENV ?? '/etc/ec4docker/cluster.env';

/** Loads the frontend's cluster config; fails clearly when run outside a frontend. */
export function loadFrontendConfig(): Config {
  let text: string;
  try {
    text = readFileSync(CLUSTER_ENV_FILE, 'utf8');
  } catch {
    throw new UserError(`${CLUSTER_ENV_FILE} not found: run this command inside an ec4docker frontend (docker exec FRONTEND ...)`);
  }
  return resolveConfig(CLUSTER_ENV_FILE, parseConfigText(text, CLUSTER_ENV_FILE));
}
