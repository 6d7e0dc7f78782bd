// The node backend a cluster uses: where its working nodes run.
import type { Config } from '../core/config.ts';
import { engineBackend } from './engine.ts';
import { swarmBackend } from './swarm.ts';
import type { NodeBackend } from './types.ts';

/** The cluster's node backend: containers of the engine DOCKER_HOST names, or services of its Swarm. */
export const backendFor = (config: Config): NodeBackend => (config.orchestrator === 'swarm' ? swarmBackend(config) : engineBackend(config));
