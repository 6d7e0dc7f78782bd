// Powering nodes on and off: a middleware's scheduler adapter and a node backend put together,
// the same way for every middleware (poweron, poweroff and clues-monitor all come here).
import type { NodeBackend } from '../backend/types.ts';
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { logEvent } from '../io/events.ts';
import { waitFor } from '../io/run.ts';
import type { PowerOffOptions, PowerState, Scheduler } from '../middleware/types.ts';
import { awaitBoot, startNodes } from './boot.ts';

export type PowerOffResult = { kind: 'off' } | { kind: 'already-off'; orphanRemoved: boolean } | { kind: 'busy'; jobs: string[] };

export interface NodePower {
  readonly scheduler: Scheduler;
  readonly backend: NodeBackend;
  /**
   * Starts powering nodes on; returns those already on and those now on their way. `startHere`:
   * start them now even where the scheduler would (clues-monitor, which knows they are booting).
   * `look`: the nodes' states as a look just before found them, not asked again.
   */
  powerOn(nodes: string[], by: string, reason: (node: string) => string, startHere?: boolean, look?: PowerOnLook): Promise<{ already: string[]; starting: string[] }>;
  /** Waits until the nodes are up in the scheduler; returns the ones that failed, with why. */
  awaitPowerOn(nodes: string[], onUp: (node: string, state: string) => void): Promise<Map<string, string>>;
  /** Puts a node whose power-on failed back to powered off, with no container left. */
  undoPowerOn(node: string, reason: string, by: string): Promise<void>;
  /** Powers a node off without touching a job: 'busy' if a job is there. */
  powerOff(node: string, by: string, reason: string, options?: PowerOffOptions): Promise<PowerOffResult>;
}

/** What a look (clues-monitor's) saw of the nodes to power on: their power states and containers. */
export interface PowerOnLook {
  powerStates: Map<string, PowerState>;
  nodeStates: Map<string, string>; // each existing node's backend state
}

/** The states a power-on starts from: the look's, where it has every node's; asked otherwise. */
async function statesBefore(scheduler: Scheduler, backend: NodeBackend, nodes: string[], look?: PowerOnLook): Promise<[Map<string, PowerState>, Map<string, { state: string }>]> {
  if (look && nodes.every((n) => look.powerStates.has(n))) {
    return [look.powerStates, new Map([...look.nodeStates].map(([node, state]) => [node, { state }]))];
  }
  return Promise.all([scheduler.powerStates(nodes), backend.list()]);
}

export function nodePower(config: Config, scheduler: Scheduler, backend: NodeBackend): NodePower {
  async function undoPowerOn(node: string, reason: string, by: string): Promise<void> {
    await backend.remove(node);
    await scheduler.forget(node, reason);
    logEvent({ action: 'failed', node, by, reason });
  }

  return {
    scheduler,
    backend,
    async powerOn(nodes, by, reason, startHere = false, look = undefined) {
      const [states, instances] = await statesBefore(scheduler, backend, nodes, look);
      const already = nodes.filter((n) => states.get(n)?.up && instances.get(n)?.state === 'running');
      const starting = nodes.filter((n) => !already.includes(n));
      if (starting.length === 0) return { already, starting };
      for (const node of starting) logEvent({ action: 'power_on', node, by, reason: reason(node), state: states.get(node)?.state ?? 'off' });
      const here = startHere || !scheduler.startsNodes;
      await scheduler.admit(starting, states, here);
      if (!here) return { already, starting };
      // Told before the start: Slurm may give a node a job, and run its prolog, while it starts.
      let started = () => {};
      scheduler.starting?.(starting, new Promise<void>((resolve) => { started = resolve; }));
      const failed = await startNodes(backend, starting, by).finally(started);
      for (const [node, why] of failed) await undoPowerOn(node, why, by);
      if (failed.size > 0) throw new UserError(`power-on failed, node(s) removed again: ${[...failed].map(([n, why]) => `${n}: ${why}`).join('; ')}`);
      return { already, starting };
    },
    awaitPowerOn: (nodes, onUp) => awaitBoot(config, scheduler, backend, nodes, onUp),
    undoPowerOn,
    async powerOff(node, by, reason, options = {}) {
      const started = Date.now();
      // Only what was there before: a container made since is a new boot (Slurm gave the node a job).
      const result = await scheduler.powerOff(node, by, reason, { ...options, remove: () => backend.remove(node, started) });
      if (result.kind === 'busy') return result;
      if (result.kind === 'already-off') {
        // The scheduler counts it off already; a node left behind (an orphan) goes too.
        return { kind: 'already-off', orphanRemoved: (await backend.removeOrphan(node)) !== undefined };
      }
      // The scheduler removed the node as it powered it down (options.remove), or its own suspend
      // program does: wait (a while) until it is gone, so that "off" means no container. Not
      // removed here: once the scheduler counts it off, a power-on may already follow.
      if (scheduler.startsNodes) await waitFor(async () => ((await backend.list()).has(node) ? undefined : true), 15_000, 200);
      else await backend.remove(node);
      logEvent({ action: 'power_off', node, by, reason, state: result.state, ms: Date.now() - started });
      return { kind: 'off' };
    },
  };
}
