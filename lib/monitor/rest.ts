// How clues-monitor waits between its checks.
import type { DirWatch } from '../io/dir-watch.ts';
import { sleep } from '../io/run.ts';
import type { Scheduler } from '../middleware/types.ts';

export const PROBE_MS = 200;

/**
 * Waits until the next check is due, or less when a job was submitted (or requeued) meanwhile.
 * With `marks` (Slurm: slurmctld rewrites a file there at every submit; armed by the caller when
 * its check began), the first mark ends the rest. Without, the scheduler's cheap pending-job list
 * is asked every PROBE_MS, so a new job waits about 0.1 s for the monitor instead of up to a whole
 * tick. `known`: the jobs pending when the check began (asked for then); asked for only now, a job
 * submitted during the check would count as known, and wait a whole tick.
 */
export async function restUntil(scheduler: Pick<Scheduler, 'pendingJobs'>, due: number, probeMs = PROBE_MS, known?: Promise<string[]>, marks?: DirWatch): Promise<void> {
  if (marks) return marks.until(due);
  if (!scheduler.pendingJobs) return sleep(Math.max(100, due - Date.now()));
  const before = new Set(await (known ?? scheduler.pendingJobs()));
  while (Date.now() + probeMs < due) {
    if ((await scheduler.pendingJobs()).some((id) => !before.has(id))) return;
    await sleep(probeMs);
  }
  await sleep(Math.max(0, due - Date.now()));
}
