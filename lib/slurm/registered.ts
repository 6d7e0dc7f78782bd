// Nodes seen registered since they were last powered up: one empty file per node in the
// frontend's /run/ec4docker (a tmpfs, so a restarted frontend starts with none). The prolog
// (dockerfiles/slurm/frontend/slurm-prolog) lets a job on such nodes start without asking
// slurmctld, which answers slowly while it is launching that very job.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REGISTERED_DIR = process.env.EC4D_REGISTERED_DIR ?? '/run/ec4docker/registered';

// Best effort both ways: a missing mark costs one slower launch, a stale one is forgotten at the
// node's next power-up; neither ever fails a job or a power action.
function eachQuietly(nodes: string[], dir: string, act: (path: string) => void): void {
  for (const node of nodes) {
    try {
      act(join(dir, node));
    } catch {
      // no directory (a frontend older than the marks), or not ours to write
    }
  }
}

export const markRegistered = (nodes: string[], dir = REGISTERED_DIR): void => eachQuietly(nodes, dir, (path) => writeFileSync(path, ''));

/** Forgets the nodes: called before they are powered up and after they are removed. */
export const forgetRegistered = (nodes: string[], dir = REGISTERED_DIR): void => eachQuietly(nodes, dir, (path) => rmSync(path, { force: true }));
