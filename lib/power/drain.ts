// What a power-off does with the jobs it found on a node it has just drained, the same for every
// middleware: report them (the node is busy), or with `poweroff --drain` wait until they end.
import { sleep } from '../io/run.ts';
import type { PowerOffOptions } from '../middleware/types.ts';

/** With options.wait, reads the node's jobs every second until there are none; else returns them as found. */
export async function waitForJobs(jobs: string[], read: () => Promise<string[]>, options: PowerOffOptions): Promise<string[]> {
  if (jobs.length === 0 || !options.wait) return jobs;
  options.onWait?.(jobs);
  let left = jobs;
  while (left.length > 0) {
    await sleep(1000);
    left = await read();
  }
  return left;
}
