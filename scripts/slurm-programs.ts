// The programs slurmctld runs (slurm.conf ResumeProgram, SuspendProgram, ResumeFailProgram,
// PrologSlurmctld), and slurm-conf, which the frontend's entrypoint uses to write slurm.conf.
// slurmctld starts them as SlurmUser with no PATH; errors go to the event log and stderr.
import { clusterNames } from '../lib/cluster.ts';
import { UserError } from '../lib/errors.ts';
import { logEvent } from '../lib/events.ts';
import { loadFrontendConfig } from '../lib/frontend-config.ts';
import { expandHostlist } from '../lib/hostlist.ts';
import { sleep } from '../lib/run.ts';
import { renderSlurmConf } from '../lib/slurm/conf.ts';
import { startInTurn } from '../lib/slurm/boot-queue.ts';
import { isOff, jobState, nodeReasons, prologMayEnd, shortStates, updateNodes } from '../lib/slurm/control.ts';
import { holdOff, holdsOffNodes, OFF_REASON } from '../lib/slurm/power.ts';
import { removeNodeContainer, startNodeContainer } from '../lib/node-container.ts';

/** The nodes of a Slurm hostlist argument that belong to this cluster (others are logged and skipped). */
function ourNodes(argv: string[], by: string): { nodes: string[]; config: ReturnType<typeof loadFrontendConfig> } {
  const config = loadFrontendConfig();
  if (argv.length !== 1) throw new UserError(`usage: ${by} HOSTLIST (run by slurmctld)`);
  const known = new Set(clusterNames(config).nodes);
  const nodes = expandHostlist(argv[0]).filter((node) => {
    if (!known.has(node)) logEvent({ action: 'skipped', node, by, reason: 'not a node of this cluster' });
    return known.has(node);
  });
  return { nodes, config };
}

/**
 * ResumeProgram: start the node containers, all at once or at most EC4DOCK_MAX_BOOTING_NODES
 * booting at a time; a node that fails is marked down at once.
 */
export async function slurmResume(argv: string[]): Promise<void> {
  const { nodes, config } = ourNodes(argv, 'slurm-resume');
  const fail = async (node: string, message: string) => {
    logEvent({ action: 'failed', node, by: 'slurm-resume', reason: message });
    // Tell Slurm now rather than at ResumeTimeout, so waiting jobs go elsewhere.
    await updateNodes([node], 'DOWN', `ec4docker: ${message}`.slice(0, 200)).catch(() => undefined);
    process.exitCode = 1;
  };
  const start = async (node: string) => {
    const started = Date.now();
    try {
      await startNodeContainer(config, node);
      logEvent({ action: 'resume', node, by: 'slurm-resume', reason: 'Slurm powered the node up', ms: Date.now() - started });
    } catch (error) {
      await fail(node, error instanceof Error ? error.message : String(error));
    }
  };
  if (config.maxBootingNodes <= 0) return void (await Promise.all(nodes.map(start)));
  const late = await startInTurn(config, nodes, start, 'slurm-resume');
  const why = `no boot slot within ${config.maxWaitPowerOnSeconds} s (EC4DOCK_MAX_BOOTING_NODES=${config.maxBootingNodes})`;
  await Promise.all(late.map((node) => fail(node, why)));
}

/** SuspendProgram and ResumeFailProgram: remove the node containers. */
export async function slurmSuspend(argv: string[]): Promise<void> {
  const { nodes } = ourNodes(argv, 'slurm-suspend');
  await Promise.all(
    nodes.map(async (node) => {
      await removeNodeContainer(node);
      logEvent({ action: 'suspend', node, by: 'slurm-suspend', reason: 'Slurm powered the node down' });
    }),
  );
}

/**
 * PrologSlurmctld: returns as soon as every node of the job has registered (Slurm 22.05
 * otherwise launches a job on freshly resumed nodes only at its 30 s periodic check), or as soon
 * as the job no longer waits for them (lib/slurm/control.ts, prologMayEnd).
 */
export async function slurmProlog(): Promise<void> {
  const nodelist = process.env.SLURM_JOB_NODELIST ?? '';
  const job = process.env.SLURM_JOB_ID ?? '';
  if (nodelist === '' || job === '') return;
  const nodes = expandHostlist(nodelist);
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const [state, states] = await Promise.all([jobState(job), shortStates(nodes).catch(() => undefined)]);
    // Unknown (a command failed): ask again.
    if (state !== undefined && states && prologMayEnd(state, nodes.map((n) => states.get(n) ?? ''))) return;
    await sleep(150);
  }
}

/**
 * Run by the frontend's entrypoint once slurmctld answers: in modes none/monitor, hold every
 * powered-off node out of scheduling (drained); in mode slurm, release nodes held that way.
 */
export async function slurmInit(): Promise<void> {
  const config = loadFrontendConfig();
  const nodes = clusterNames(config).nodes;
  const states = await shortStates(nodes);
  const reasons = await nodeReasons(nodes);
  for (const node of nodes) {
    const state = states.get(node) ?? '';
    if (!isOff(state)) continue;
    if (holdsOffNodes(config) && !state.startsWith('drain')) await holdOff(node);
    if (!holdsOffNodes(config) && reasons.get(node) === OFF_REASON) await updateNodes([node], 'RESUME');
  }
}

/** Prints the cluster's slurm.conf (used by the frontend's entrypoint). */
export async function slurmConf(): Promise<void> {
  process.stdout.write(renderSlurmConf(loadFrontendConfig()));
}
