// Grid Engine commands run in the frontend as root (a Grid Engine manager): reading the cluster
// and adding or removing execution hosts. The parsers they feed are in state.ts.
import { UserError } from '../core/errors.ts';
import { bestEffort } from '../io/events.ts';
import { lastLine, run, runChecked } from '../io/run.ts';
import { type GeJobDetail, type GeQstatFull, parseQstatFullXml, parseQstatJobText, parseQstatText } from './state.ts';

// The one queue and host group sge-init makes; a node is "on" while it is in the host group.
export const QUEUE = 'main.q';
export const HOSTGROUP = '@allhosts';

/** Every queue instance and every live job (all users), from `qstat -f -xml`. */
export async function readCluster(): Promise<GeQstatFull> {
  return parseQstatFullXml(await runChecked('qstat', ['-f', '-xml', '-u', '*'], 'read the cluster', 'query'));
}

/**
 * The numbers of the pending jobs, all users (`qstat -s p`): cheap enough for clues-monitor to ask
 * several times a second. [] if qstat fails.
 */
export async function pendingJobNumbers(): Promise<string[]> {
  const result = await run('qstat', ['-s', 'p', '-u', '*'], { timeout: 'probe' });
  return result.exitCode === 0 ? [...new Set(parseQstatText(result.stdout).map((j) => j.number))] : [];
}

/**
 * `qstat -j` of some jobs: what they request (a host named by `-l h=`). Text, as Grid Engine
 * 8.1.9's `qstat -j -xml` leaves the requests out. [] if the jobs are gone meanwhile.
 */
export async function readJobDetails(numbers: string[]): Promise<GeJobDetail[]> {
  if (numbers.length === 0) return [];
  const result = await run('qstat', ['-j', numbers.join(',')], { timeout: 'query' });
  return result.exitCode === 0 ? parseQstatJobText(result.stdout) : [];
}

// qconf goes on after a failed operation and then exits 1; these lines only say that the
// wanted state was there already.
const ALREADY = /already exists|does not exist|is not an? (execution|administrative|submit) host/;

/**
 * Runs `qconf` with several operations in one call (one qmaster round trip each, one process);
 * fails with qconf's own message unless every complaint only says the state was already so.
 */
export async function qconf(args: string[], action: string): Promise<void> {
  const result = await run('qconf', args, { timeout: 'change' });
  if (result.exitCode === 0) return;
  const problems = `${result.stdout}\n${result.stderr}`.split('\n')
    .filter((l) => l.trim() && !ALREADY.test(l) && !/^root@\S+ (added|modified|removed)|added to|removed from|sent shutdown/.test(l));
  if (problems.length > 0) throw new UserError(`${action}: qconf: ${lastLine(problems.join('\n'))}`);
}

/**
 * Makes nodes execution hosts of the queue. They must resolve (the frontend's /etc/hosts lists
 * every node). The qmaster refuses an execd whose host is neither an admin nor a submit host: a
 * node is a submit host, never an admin host. That entry comes last: the qmaster accepts the
 * execd as soon as it is there (research, pbs-family §2.6 #3 and #5).
 */
export const registerHosts = (nodes: string[]): Promise<void> =>
  qconf(nodes.flatMap((n) => ['-aattr', 'hostgroup', 'hostlist', n, HOSTGROUP, '-as', n]), `register ${nodes.join(',')}`);

/**
 * Removes a node from Grid Engine: its execd is told to stop first when it still runs (so that
 * the qmaster drops its connection at once), then host group, exec host and submit host entries.
 */
export async function deregisterHost(node: string, options: { running: boolean }): Promise<void> {
  if (options.running) await bestEffort(qconf(['-ke', node], `stop the execd of ${node}`), node, 'ec4docker', 'stop the execd');
  await qconf(['-dattr', 'hostgroup', 'hostlist', node, HOSTGROUP, '-de', node, '-ds', node], `deregister ${node}`);
}

/** `qmod` as a manager (disable, enable, clear errors, force a reschedule). */
export async function qmod(args: string[], action: string): Promise<void> {
  await runChecked('qmod', args, action);
}

export const queueInstance = (node: string): string => `${QUEUE}@${node}`;
