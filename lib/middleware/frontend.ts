// Inside the frontend: the cluster's config, middleware, node backend and power control, for the
// commands that run there (poweron, poweroff, clues-monitor, the scheduler's programs).
import { existsSync, readFileSync } from 'node:fs';
import { backendFor } from '../backend/index.ts';
import type { NodeBackend } from '../backend/types.ts';
import type { Config } from '../core/config.ts';
import { parseConfigText } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { GATE_SOCKET } from '../gate/server.ts';
import { useEngineSocket } from '../io/engine-api.ts';
import { type NodePower, nodePower } from '../power/node-power.ts';
import { middlewareNamed, resolveClusterConfig } from './registry.ts';
import type { Middleware } from './types.ts';

/** Where the entrypoint wrote the cluster's config (EC4D_CLUSTER_ENV in tests), read when used. */
export const clusterEnvFile = (): string => process.env.EC4D_CLUSTER_ENV ?? '/etc/ec4docker/cluster.env';

/** Loads the frontend's cluster config; fails clearly when run outside a frontend. */
export function loadFrontendConfig(): Config {
  const file = clusterEnvFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file} not found: run this command inside an ec4docker frontend (docker exec FRONTEND ...)`);
  }
  return resolveClusterConfig(file, parseConfigText(text, file));
}

export interface FrontendCluster {
  config: Config;
  middleware: Middleware;
  backend: NodeBackend;
  power: NodePower;
}

/** The cluster this frontend runs. */
export function openFrontend(): FrontendCluster {
  const config = loadFrontendConfig();
  // The frontend's engine is the gate's socket: its hot calls go there as API requests.
  if (existsSync(GATE_SOCKET)) useEngineSocket(GATE_SOCKET);
  const middleware = middlewareNamed(config.middleware);
  const backend = backendFor(config);
  return { config, middleware, backend, power: nodePower(config, middleware.scheduler(config), backend) };
}
