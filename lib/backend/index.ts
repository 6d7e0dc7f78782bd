// The node backend a cluster uses: where its working nodes run.
import type { Config } from '../core/config.ts';
import { engineBackend } from './engine.ts';
import type { NodeBackend } from './types.ts';

/** The cluster's node backend: today always the engine that DOCKER_HOST (or the default) names. */
export const backendFor = (config: Config): NodeBackend => engineBackend(config);
