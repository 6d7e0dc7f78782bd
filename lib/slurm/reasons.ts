// Which Slurm pending reasons more powered-on nodes can cure (squeue %r / state_reason). Pure.
import { expandHostlist } from '../core/hostlist.ts';

// Exact reasons that mean "not enough nodes right now".
const WAITING = new Set([
  // The job needs more nodes or cpus than are free.
  'Resources',
  // Queued behind higher-priority jobs that wait for Resources: more nodes let both start
  // (03 job 7 shows Priority while job 6 blocks the queue).
  'Priority',
  // A node allocated to the job went down; a replacement node is capacity for the requeue.
  'NodeDown',
]);

// Prefixes of reasons that carry details; toJobView refines them with the node states.
const WAITING_PREFIXES = [
  // 'ReqNodeNotAvail, UnavailableNodes:f1-node2' (04 job 11): the wanted nodes are not available.
  'ReqNodeNotAvail',
  // 22.05's wording when no -w was given (04/05 job 6): nodes are down, drained or reserved.
  'Nodes required for job are DOWN, DRAINED',
];

/**
 * Whether a job is pending for lack of nodes. Everything else is false on purpose, because no
 * node will fix it and an unknown reason must not burn power: JobHeldUser / JobHeldAdmin (held),
 * BeginTime (also the requeue delay: 06 job 4), Dependency / DependencyNeverSatisfied,
 * PartitionDown / PartitionInactive / PartitionNodeLimit / PartitionTimeLimit, QOS* and Assoc*
 * limits, Reservation, Licenses, BadConstraints, and 'None', which a just-submitted job shows
 * until the scheduler's next pass (Slurm itself resumes CLOUD nodes for jobs it can place).
 */
export function jobWaitsForNodes(state: string, reason: string): boolean {
  if (!/^(PENDING|PD)$/i.test(state)) return false;
  const r = reason.replace(/_/g, ' ').trim();
  return WAITING.has(r) || WAITING_PREFIXES.some((p) => r.startsWith(p));
}

/** The nodes named by 'ReqNodeNotAvail, UnavailableNodes:f1-node[2-3]' ([] if none or unreadable). */
export function unavailableNodes(reason: string): string[] {
  const m = /UnavailableNodes:(\S+)/.exec(reason);
  if (!m) return [];
  try {
    return expandHostlist(m[1]);
  } catch {
    return [];
  }
}
