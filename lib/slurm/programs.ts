// The programs slurmctld runs (slurm.conf ResumeProgram, SuspendProgram, ResumeFailProgram,
// PrologSlurmctld), and the ones the frontend's entrypoint runs (slurm-conf, slurm-init).
// slurmctld starts them as SlurmUser with no PATH; errors go to the event log and stderr.
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { expandHostlist } from '../core/hostlist.ts';
import { clusterNames } from '../core/names.ts';
import { bestEffort, logEvent } from '../io/events.ts';
import { processForkedAt } from '../io/process-start.ts';
import { sleep } from '../io/run.ts';
import type { Program } from '../middleware/types.ts';
import { startInTurn } from './boot-queue.ts';
import { renderSlurmConf } from './conf.ts';
import { isOff, isUp, jobState, nodeReasons, prologMayEnd, shortStates, updateNodes } from './control.ts';
import { holdOff, holdsOffNodes, OFF_REASON } from './power.ts';
import { allRegistered, forgetRegistered, markRegistered } from './registered.ts';

/** The nodes of a Slurm hostlist argument that belong to this cluster (others are logged and skipped). */
function ourNodes(argv: string[], config: Config, by: string): string[] {
  if (argv.length !== 1) throw new UserError(`usage: ${by} HOSTLIST (run by slurmctld)`);
  const known = new Set(clusterNames(config).nodes);
  return expandHostlist(argv[0]).filter((node) => {
    if (!known.has(node)) logEvent({ action: 'skipped', node, by, reason: 'not a node of this cluster' });
    return known.has(node);
  });
}

/**
 * ResumeProgram: start the nodes, all at once or at most EC4DOCK_MAX_BOOTING_NODES booting at a
 * time; a node that fails is marked down at once.
 */
const slurmResume: Program = async (argv, frontend) => {
  const { config, backend } = frontend();
  const nodes = ourNodes(argv, config, 'slurm-resume');
  const fail = async (node: string, message: string) => {
    logEvent({ action: 'failed', node, by: 'slurm-resume', reason: message });
    // Tell Slurm now rather than at ResumeTimeout, so waiting jobs go elsewhere.
    await bestEffort(updateNodes([node], 'DOWN', `ec4docker: ${message}`.slice(0, 200)), node, 'slurm-resume', 'mark the node down');
    process.exitCode = 1;
  };
  // Also done at POWER_UP; Slurm's own power-ups (mode slurm) come only here. Not for a node
  // already up: clues-monitor started it before Slurm's pass, and its mark is of this boot.
  // Asked beside the starts: a node registers only well after its container starts.
  const forgetting = shortStates(nodes).catch(() => new Map<string, string>())
    .then((states) => forgetRegistered(nodes.filter((node) => !isUp(states.get(node) ?? ''))));
  const start = async (node: string) => {
    const started = Date.now();
    try {
      await backend.start(node);
      logEvent({ action: 'resume', node, by: 'slurm-resume', reason: 'Slurm powered the node up', ms: Date.now() - started });
    } catch (error) {
      await fail(node, error instanceof Error ? error.message : String(error));
    }
  };
  if (config.maxBootingNodes <= 0) return void (await Promise.all([forgetting, ...nodes.map(start)]));
  await forgetting;
  const late = await startInTurn(config, backend, nodes, start, 'slurm-resume');
  const why = `no boot slot within ${config.maxWaitPowerOnSeconds} s (EC4DOCK_MAX_BOOTING_NODES=${config.maxBootingNodes})`;
  await Promise.all(late.map((node) => fail(node, why)));
};

/**
 * SuspendProgram and ResumeFailProgram: remove the nodes. Only what was made before slurmctld
 * forked this program: slow to start on a loaded host, it may run after the node is off and
 * clues-monitor has started it again, and that new boot must stay.
 */
const slurmSuspend: Program = async (argv, frontend) => {
  const { config, backend } = frontend();
  const started = processForkedAt();
  await Promise.all(ourNodes(argv, config, 'slurm-suspend').map(async (node) => {
    await backend.remove(node, started);
    forgetRegistered([node]);
    logEvent({ action: 'suspend', node, by: 'slurm-suspend', reason: 'Slurm powered the node down' });
  }));
};

/**
 * Run by the prolog (PrologSlurmctld) for a job on nodes not yet seen registered: returns as soon
 * as every node of the job has (Slurm otherwise launches a job on freshly resumed nodes only at
 * its periodic check), or as soon as the job no longer waits for them (control.ts,
 * prologMayEnd). The nodes then up are marked, so that their next jobs skip this wait.
 * Every 50 ms it looks for the marks (clues-monitor marks the nodes it starts as they register);
 * every 150 ms it asks the nodes' states; the job's own, which matters only while its nodes
 * neither are up nor have failed (a cancel, a requeue), about once a second (a Slurm command on a
 * busy frontend costs 25 ms of CPU), and at once when a node shows powered off again.
 */
const slurmPrologWait: Program = async () => {
  const nodelist = process.env.SLURM_JOB_NODELIST ?? '';
  const job = process.env.SLURM_JOB_ID ?? '';
  if (nodelist === '' || job === '') return;
  const nodes = expandHostlist(nodelist);
  const deadline = Date.now() + 10 * 60_000;
  let state = 'CONFIGURING'; // as when Slurm started the prolog
  for (let poll = 0; Date.now() < deadline; poll++) {
    if (allRegistered(nodes)) return;
    if (poll % NODES_EVERY === 0) {
      const states = await shortStates(nodes).catch(() => undefined);
      const shorts = nodes.map((n) => states?.get(n) ?? '');
      // A node of the job powered off again: Slurm gave up on its boot and requeued the job.
      const offAgain = shorts.some(isOff);
      // Unknown (a command failed): ask again.
      if ((poll > 0 && poll % JOB_STATE_EVERY === 0) || offAgain) state = (await jobState(job)) ?? state;
      if (states && prologMayEnd(state, shorts)) {
        markRegistered(nodes.filter((n) => isUp(states.get(n) ?? '')));
        return;
      }
    }
    await sleep(50);
  }
};
const NODES_EVERY = 3;
const JOB_STATE_EVERY = 21;

/**
 * Run by the frontend's entrypoint once slurmctld answers: in modes none/monitor, hold every
 * powered-off node out of scheduling (drained); in mode slurm, release nodes held that way.
 */
const slurmInit: Program = async (_argv, frontend) => {
  const { config } = frontend();
  const nodes = clusterNames(config).nodes;
  const states = await shortStates(nodes);
  const reasons = await nodeReasons(nodes);
  for (const node of nodes) {
    const state = states.get(node) ?? '';
    if (!isOff(state)) continue;
    if (holdsOffNodes(config) && !state.startsWith('drain')) await holdOff(node);
    if (!holdsOffNodes(config) && reasons.get(node) === OFF_REASON) await updateNodes([node], 'RESUME');
  }
};

/** Prints the cluster's slurm.conf (used by the frontend's entrypoint). */
const slurmConf: Program = async (_argv, frontend) => {
  process.stdout.write(renderSlurmConf(frontend().config));
};

export const SLURM_PROGRAMS: Record<string, Program> = {
  'slurm-resume': slurmResume,
  'slurm-suspend': slurmSuspend,
  'slurm-prolog-wait': slurmPrologWait,
  'slurm-conf': slurmConf,
  'slurm-init': slurmInit,
};
