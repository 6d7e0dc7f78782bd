// Waiting for powered-on nodes to join a scheduler that has no power saving of its own (Grid
// Engine, Torque): the scheduler's view and the node containers, looked at together.
import type { Config } from './config.ts';
import { nodeContainers } from './docker.ts';
import { sleep } from './run.ts';

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
