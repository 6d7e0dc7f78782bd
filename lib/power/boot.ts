// Booting nodes, the same for every middleware and backend: start them, then wait until the
// scheduler sees each one up, its node fails, or EC4DOCK_MAX_WAIT_POWERON passes.
import { CUT_OFF, type NodeBackend } from '../backend/types.ts';
import type { Config } from '../core/config.ts';
import { logEvent } from '../io/events.ts';
import { sleep } from '../io/run.ts';
import type { Scheduler } from '../middleware/types.ts';

/** Starts the nodes together; returns the ones that failed to start, with why. */
export async function startNodes(backend: NodeBackend, nodes: string[], by: string): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  await Promise.all(nodes.map(async (node) => {
    try {
      const started = Date.now();
      await backend.start(node);
      logEvent({ action: 'started', node, by, reason: 'container started', ms: Date.now() - started });
    } catch (error) {
      failed.set(node, error instanceof Error ? error.message : String(error));
    }
  }));
  return failed;
}

// A node in one of these states will never register.
const DEAD = new Set(['exited', 'dead', CUT_OFF]);

/** What a node that stopped said last, as ': LINE' (a Swarm task: the engine's error, e.g. a mount that failed), or ''. */
async function lastWords(backend: NodeBackend, node: string): Promise<string> {
  const line = await backend.lastLog(node).catch(() => '');
  return line ? `: ${line}` : '';
}

/**
 * Polls the scheduler every 200 ms and the backend once a second until every node is up, its
 * node stopped, or the deadline passed; returns the nodes that failed, with why. Where the
 * scheduler starts the nodes itself, a node not there yet is still to come, not vanished.
 */
export async function awaitBoot(config: Config, scheduler: Scheduler, backend: NodeBackend, nodes: string[],
  onUp: (node: string, state: string) => void): Promise<Map<string, string>> {
  const deadline = Date.now() + (config.maxWaitPowerOnSeconds + 5) * 1000;
  const failed = new Map<string, string>();
  let waiting = [...nodes];
  let instances = new Map<string, { state: string }>();
  let listedAt = 0;
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(200);
    const checks = await scheduler.bootChecks(waiting);
    if (Date.now() - listedAt >= 1000) {
      instances = await backend.list();
      listedAt = Date.now();
    }
    for (const node of [...waiting]) {
      const check = checks.get(node);
      const state = instances.get(node)?.state;
      // Started by us, it must be there and starting; started by the scheduler, it may be still to come.
      const lost = scheduler.startsNodes ? state !== undefined && DEAD.has(state) : state !== 'running' && state !== 'created';
      if (check && 'up' in check) onUp(node, check.up);
      else if (lost) failed.set(node, `its container ${state ?? 'vanished'} before ${scheduler.daemon} registered${await lastWords(backend, node)}`);
      else if (check) failed.set(node, check.failed);
      else continue;
      waiting = waiting.filter((n) => n !== node);
    }
  }
  for (const node of waiting) failed.set(node, `${scheduler.daemon} did not register within ${config.maxWaitPowerOnSeconds} s`);
  return failed;
}
