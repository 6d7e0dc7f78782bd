// Booting nodes for a scheduler that has no power saving of its own (Grid Engine, Torque): the
// containers started together, then the scheduler's view and the containers looked at together.
import type { Config } from './config.ts';
import { UserError } from './errors.ts';
import { logEvent } from './events.ts';
import { nodeContainers, startNodeContainer } from './node-container.ts';
import { sleep } from './run.ts';

export interface StartNodesOptions {
  by: string;
  reason: (node: string) => string;
  // The node's scheduler state before, for the event log.
  stateOf: (node: string) => string;
  // Done for each node before its container starts (e.g. making it known to the scheduler).
  prepare?: (node: string) => Promise<void>;
  // Puts a node that failed back to off.
  undo: (node: string, why: string, by: string) => Promise<void>;
}

/** Starts the nodes' containers together; a node that fails is undone, and the failures thrown. */
export async function startNodes(config: Config, nodes: string[], options: StartNodesOptions): Promise<void> {
  const failures: string[] = [];
  await Promise.all(nodes.map(async (node) => {
    logEvent({ action: 'power_on', node, by: options.by, reason: options.reason(node), state: options.stateOf(node) });
    try {
      await options.prepare?.(node);
      const started = Date.now();
      await startNodeContainer(config, node);
      logEvent({ action: 'started', node, by: options.by, reason: 'container started', ms: Date.now() - started });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      await options.undo(node, why, options.by);
      failures.push(`${node}: ${why}`);
    }
  }));
  if (failures.length > 0) throw new UserError(`power-on failed, node(s) removed again: ${failures.join('; ')}`);
}

/** What the scheduler says of a booting node: up (with its state for people), failed, or not yet. */
export type BootCheck = { up: string } | { failed: string } | undefined;

/**
 * Polls until every node is up, its container stopped, or EC4DOCK_MAX_WAIT_POWERON passed;
 * returns the nodes that failed, with why. `daemon` names what registers ('sge_execd').
 */
export async function awaitNodes(config: Config, nodes: string[], daemon: string, check: () => Promise<(node: string) => BootCheck>,
  onUp: (node: string, state: string) => void): Promise<Map<string, string>> {
  const deadline = Date.now() + (config.maxWaitPowerOnSeconds + 5) * 1000;
  const failed = new Map<string, string>();
  let waiting = [...nodes];
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(250);
    const [seen, containers] = await Promise.all([check(), nodeContainers(config.serverName)]);
    for (const node of [...waiting]) {
      const result = seen(node);
      const container = containers.get(node)?.state;
      if (result && 'up' in result) onUp(node, result.up);
      else if (container !== 'running' && container !== 'created') failed.set(node, `its container ${container ?? 'vanished'} before ${daemon} registered`);
      else if (result) failed.set(node, result.failed);
      else continue;
      waiting = waiting.filter((n) => n !== node);
    }
  }
  for (const node of waiting) failed.set(node, `${daemon} did not register within ${config.maxWaitPowerOnSeconds} s`);
  return failed;
}
