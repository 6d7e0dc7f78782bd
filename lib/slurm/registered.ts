// Nodes seen registered since they were last powered up: one empty file per node in the
// frontend's /run/ec4docker (a tmpfs, so a restarted frontend starts with none). The prolog
// (dockerfiles/slurm/frontend/slurm-prolog) lets a job on such nodes start without asking
// slurmctld, which answers slowly while it is launching that very job.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REGISTERED_DIR = process.env.EC4D_REGISTERED_DIR ?? '/run/ec4docker/registered';

// Best effort both ways: a missing mark costs one slower launch, never a job.
export function markRegistered(nodes: string[], dir = REGISTERED_DIR): void {
  for (const node of nodes) {
    try {
      writeFileSync(join(dir, node), '');
    } catch {
      // no directory (a frontend older than the mark), or not writable: the prolog waits instead
    }
  }
}

/** Forgets the nodes: called before they are powered up and after they are removed. */
export function forgetRegistered(nodes: string[], dir = REGISTERED_DIR): void {
  for (const node of nodes) {
    try {
      rmSync(join(dir, node), { force: true });
    } catch {
      // not ours to remove: a power action never fails for a mark
    }
  }
}
