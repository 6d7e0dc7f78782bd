// Two kinds of marks in the frontend's /run/ec4docker (a tmpfs, so a restarted frontend starts
// with none), one file per node, read by the prolog (dockerfiles/slurm/frontend/slurm-prolog)
// so that a job on freshly started nodes starts without asking slurmctld, which answers slowly
// while it is launching that very job:
// - registered/NODE: the node has been seen registered since it was last powered up;
// - booting/NODE: clues-monitor started the node and is watching it register (the file holds the
//   watcher's pid; kept 1.5 s after the node registered): the prolog waits for the first kind
//   rather than asking slurmctld itself, and Slurm's ResumeProgram (slurm-power-up) leaves the
//   node to that watcher.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REGISTERED_DIR = process.env.EC4D_REGISTERED_DIR ?? '/run/ec4docker/registered';
export const BOOTING_DIR = process.env.EC4D_BOOTING_DIR ?? '/run/ec4docker/booting';

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

/** Whether every one of the nodes is marked. */
export const allRegistered = (nodes: string[], dir = REGISTERED_DIR): boolean => nodes.every((node) => existsSync(join(dir, node)));

/** This process watches the nodes register (the prolog checks that it is still alive). */
export const markBooting = (nodes: string[], dir = BOOTING_DIR): void => eachQuietly(nodes, dir, (path) => writeFileSync(path, `${process.pid}\n`));

export const forgetBooting = (nodes: string[], dir = BOOTING_DIR): void => eachQuietly(nodes, dir, (path) => rmSync(path, { force: true }));
