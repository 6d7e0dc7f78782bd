// EC4DOCK_MAX_BOOTING_NODES where Slurm decides the power-ons: Slurm starts every node a
// job needs at once (its ResumeRate counts per minute), so slurm-resume itself starts them in
// turn. One slurm-resume at a time hands out the boot slots (slurmctld may run several).
import type { NodeBackend } from '../backend/types.ts';
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { logEvent } from '../io/events.ts';
import { waitLock } from '../io/lock.ts';
import { sleep } from '../io/run.ts';
import { shortStates } from './control.ts';

const LOCK = 'ec4docker-boot-queue';
const POLL_MS = 200;

/**
 * The nodes booting: a container is up, but its slurmd has not registered (Slurm's '#',
 * POWERING_UP). A node Slurm powers up whose container is not started yet waits, and is not counted.
 */
export function bootingNodes(states: Map<string, string>, containers: Map<string, string>): string[] {
  const started = (node: string) => ['running', 'created', 'restarting'].includes(containers.get(node) ?? '');
  return [...states].filter(([node, state]) => state.endsWith('#') && started(node)).map(([node]) => node);
}

/**
 * Starts the nodes, at most `config.maxBootingNodes` booting at once in the cluster, in the
 * order given. Returns the nodes it could not start within EC4DOCK_MAX_WAIT_POWERON (Slurm's
 * ResumeTimeout would fail them then anyway).
 */
export async function startInTurn(config: Config, backend: NodeBackend, nodes: string[], start: (node: string) => Promise<void>, by: string): Promise<string[]> {
  const limit = config.maxBootingNodes;
  const deadline = Date.now() + config.maxWaitPowerOnSeconds * 1000;
  const all = clusterNames(config).nodes;
  const queue = [...nodes];
  const lock = await waitLock(LOCK, deadline);
  if (!lock) return queue;
  try {
    for (let first = true; queue.length > 0 && Date.now() < deadline; first = false) {
      if (!first) await sleep(POLL_MS);
      const [states, instances] = await Promise.all([shortStates(all), backend.list()]);
      const booting = bootingNodes(states, new Map([...instances].map(([node, i]) => [node, i.state])));
      const wave = queue.splice(0, Math.max(0, limit - booting.length));
      if (first) {
        for (const node of queue) logEvent({ action: 'queued', node, by, reason: `waits for a boot slot: ${booting.length + wave.length} node(s) booting, EC4DOCK_MAX_BOOTING_NODES=${limit}` });
      }
      await Promise.all(wave.map(start));
    }
  } finally {
    lock.release();
  }
  return queue;
}
