// Slurm commands run in the frontend (scontrol, sinfo, squeue), through the one runner.
import { UserError } from '../core/errors.ts';
import { compressHostlist } from '../core/hostlist.ts';
import { lastLine, run, runChecked } from '../io/run.ts';
import { parseSessionNodes, type SlurmNode } from './state.ts';

/** One sinfo field (e.g. %t, %E) of each node, by node name. */
async function sinfoField(nodes: string[], field: string): Promise<Map<string, string>> {
  const result = await run('sinfo', ['-h', '-N', '-n', compressHostlist(nodes), '-o', `%N|${field}`], { timeout: 'query' });
  if (result.exitCode !== 0) throw new UserError(`sinfo failed: ${lastLine(result.stderr)}`);
  const values = new Map<string, string>();
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const bar = line.indexOf('|');
    values.set(line.slice(0, bar), line.slice(bar + 1));
  }
  return values;
}

/** Short node states (%t: idle, alloc, idle~, idle#, down*, ...) by node name. */
export const shortStates = (nodes: string[]): Promise<Map<string, string>> => sinfoField(nodes, '%t');

/** The reason Slurm gives for each node's state, by node name ('' if none). */
export async function nodeReasons(nodes: string[]): Promise<Map<string, string>> {
  const reasons = await sinfoField(nodes, '%E');
  for (const [node, reason] of reasons) if (reason === 'none') reasons.set(node, '');
  return reasons;
}

/** Ids of the jobs allocated to a node (running, configuring or completing). */
export async function jobsOnNode(node: string): Promise<string[]> {
  const result = await run('squeue', ['-h', '-w', node, '-t', 'RUNNING,CONFIGURING,COMPLETING,SUSPENDED', '-o', '%i'], { timeout: 'query' });
  if (result.exitCode !== 0) throw new UserError(`squeue failed: ${lastLine(result.stderr)}`);
  return result.stdout.split('\n').filter(Boolean);
}

/** A job's state as squeue spells it (%T: CONFIGURING, PENDING, ...), '' once it is gone; undefined if squeue failed. */
export async function jobState(id: string): Promise<string | undefined> {
  const result = await run('squeue', ['-h', '-j', id, '-o', '%T'], { timeout: 'query' });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * Drains a node and reads it back, in one scontrol: one process start instead of two on a
 * power-off's way (under load a start is a tenth of a second or more of a node kept on). Once
 * drained no job can land, so what the node shows then is final.
 */
export async function drainAndShow(node: string, reason: string): Promise<SlurmNode> {
  const update = `update NodeName=${node} State=DRAIN Reason="${reason.replaceAll('"', "'")}"`;
  const result = await run('scontrol', ['--json'], { timeout: 'query', input: `${update}\nshow node ${node}\n` });
  // scontrol goes on after a failed command and exits 1: the drain's failure is in stderr.
  if (result.exitCode !== 0) throw new UserError(`scontrol ${update}: ${lastLine(result.stderr)}`);
  const shown = parseSessionNodes(result.stdout).find((n) => n.name === node);
  if (!shown) throw new UserError(`scontrol show node ${node}: not shown`);
  return shown;
}

/** `scontrol update NodeName=... State=... [Reason=...]`. */
export async function updateNodes(nodes: string[], state: string, reason?: string): Promise<void> {
  const args = [`NodeName=${nodes.join(',')}`, `State=${state}`, ...(reason ? [`Reason=${reason}`] : [])];
  const result = await run('scontrol', ['update', ...args], { timeout: 'query' });
  if (result.exitCode !== 0) throw new UserError(`scontrol update ${args.join(' ')}: ${lastLine(result.stderr)}`);
}

/** Whether a short state means "registered and usable for jobs". */
export function isUp(shortState: string): boolean {
  return /^(idle|alloc|mix|comp)$/.test(shortState);
}

/**
 * PrologSlurmctld's question: may the job's launch go on? Yes once every node is up, or as soon
 * as the job no longer waits for them: a node's boot failed (down, drained) and Slurm requeued the
 * job (no longer CONFIGURING). The prolog must not miss that: a requeued job stays pending
 * ("Cleaning") until the prolog exits, and the failed node may be down only for a moment before
 * clues-monitor recovers it (idle~). `jobState` is squeue's %T, '' once the job is gone.
 */
export function prologMayEnd(jobState: string, nodeStates: string[]): boolean {
  if (jobState !== 'CONFIGURING') return true;
  return nodeStates.every(isUp) || nodeStates.some((s) => /^(down|drain|fail)/.test(s));
}

/** Whether a short state means "powered off" (suffix ~), whatever the base state. */
export function isOff(shortState: string): boolean {
  return shortState.endsWith('~');
}

/** Makes jobs eligible now (Slurm holds a requeued job back for about two minutes). */
export async function startNow(jobIds: string[]): Promise<void> {
  for (const id of jobIds) await run('scontrol', ['update', `JobId=${id}`, 'StartTime=now'], { timeout: 'query' });
}

/**
 * Sets a node DOWN now (Slurm requeues its jobs) and makes those jobs eligible at once; returns
 * their ids. Asked now, not from an earlier look: a job may have been allocated to it since.
 */
export async function setDown(node: string, reason: string): Promise<string[]> {
  const jobs = await jobsOnNode(node).catch(() => []);
  await updateNodes([node], 'DOWN', reason.slice(0, 200));
  await startNow(jobs);
  return jobs;
}

/**
 * Nodes and jobs as JSON, read together. Nodes from scontrol: 24.11's `sinfo --json` groups
 * them by state instead of listing each.
 */
export async function readCluster(): Promise<{ nodes: string; squeue: string }> {
  const [nodes, squeue] = await Promise.all([
    runChecked('scontrol', ['show', 'nodes', '--json'], 'read nodes', 'query'),
    runChecked('squeue', ['--json'], 'read jobs', 'query'),
  ]);
  return { nodes, squeue };
}

/** Ids of the pending jobs, about 5 ms: cheap enough to ask several times a second ([] if squeue fails). */
export async function pendingJobIds(): Promise<string[]> {
  const squeue = await run('squeue', ['-h', '-t', 'PENDING', '-o', '%i'], { timeout: 'probe' });
  return squeue.exitCode === 0 ? squeue.stdout.split('\n').filter(Boolean) : [];
}
