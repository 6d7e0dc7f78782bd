// Torque commands run in the frontend as root (a Torque manager), as Torque 6.1's manual pages
// give them; test/bats/52-torque.bats runs them against the real server.
import { UserError } from '../core/errors.ts';
import { lastLine, run, runChecked } from '../io/run.ts';
import { parsePbsnodesXml, parseQstatXml, type TorqueJob, type TorqueNode } from './state.ts';

/** Every node the server knows (`pbsnodes -x`); none when its node list is empty. */
export async function readNodes(): Promise<TorqueNode[]> {
  const result = await run('pbsnodes', ['-x'], { timeout: 'query' });
  // With no node at all pbsnodes exits 1: "Server has no node list MSG=node list is empty ..." if
  // the server never had one, "No nodes found" once the last was deleted.
  if (result.exitCode !== 0 && /no node list|no nodes found/i.test(result.stderr + result.stdout)) return [];
  if (result.exitCode !== 0) throw new UserError(`read nodes: pbsnodes: ${lastLine(result.stderr) || `exit ${result.exitCode}`}`);
  return parsePbsnodesXml(result.stdout);
}

/** Every job the server keeps (`qstat -f -x`), completed ones too. */
export async function readJobs(): Promise<TorqueJob[]> {
  const out = await runChecked('qstat', ['-f', '-x'], 'read jobs', 'query');
  return out.trim() ? parseQstatXml(out) : [];
}

/** `qmgr -c "create node NAME np=N"`: the node must resolve (the frontend's /etc/hosts lists every node). */
export const createNode = (node: string, np: number) => runChecked('qmgr', ['-c', `create node ${node} np=${np}`], `create node ${node}`);
/** `qmgr -c "delete node NAME"`; a node the server does not list is already what this asks. */
export async function deleteNode(node: string): Promise<void> {
  const result = await run('qmgr', ['-c', `delete node ${node}`], { timeout: 'change' });
  if (result.exitCode !== 0 && !/Unknown node/i.test(result.stderr + result.stdout)) {
    throw new UserError(`delete node ${node}: qmgr: ${lastLine(`${result.stdout}\n${result.stderr}`) || `exit ${result.exitCode}`}`);
  }
}
/** Marks a node offline (no new job lands) or clears that. */
export const offline = (node: string) => runChecked('pbsnodes', ['-o', node], `offline ${node}`);
export const clearOffline = (node: string) => runChecked('pbsnodes', ['-c', node], `clear offline ${node}`);
/** Requeues jobs whose node is lost (-f: even though its MOM does not answer). */
export const rerun = (jobs: string[]) => runChecked('qrerun', ['-f', ...jobs], `requeue ${jobs.join(',')}`);
