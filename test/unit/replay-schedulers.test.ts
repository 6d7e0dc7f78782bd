// How the replay reads each scheduler (lib/replay/schedulers.ts), on outputs captured from the
// real commands (test/fixtures/*/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPLAY_SCHEDULERS } from '../../lib/replay/schedulers.ts';

const ge = REPLAY_SCHEDULERS.sge;
const fixture = (name: string) => readFileSync(`test/fixtures/gridengine/${name}`, 'utf8');

describe('replay on Grid Engine', () => {
  it('submits a job of k nodes as k slots of the make parallel environment, a 1-node job plainly', () => {
    expect(ge.submit({ id: 18671, submitAt: 0, runFor: 5.86, nodes: 4 })).toEqual(
      ['qsub', '-terse', '-N', 'r18671', '-o', '/dev/null', '-j', 'y', '-pe', 'make', '4', '/home/ubuntu/replay/job.sh', '18671', '5.860']);
    expect(ge.submit({ id: 7, submitAt: 0, runFor: 1, nodes: 1 })).not.toContain('-pe');
  });

  it('reads the booting hosts of main.q (state u), not the busy ones', () => {
    expect(ge.booting.parse(fixture('qstat-f-q-main.q_two_booting.txt'))).toEqual(['replayee97b46n2', 'replayee97b46n3']);
    expect(ge.booting.parse(fixture('qstat-f-q-main.q_two_busy_one_booting.txt'))).toEqual(['replayee97b46n4']);
  });

  it('sees replay jobs (named r<id>) left in the queue, and no others', () => {
    expect(ge.queued.parse(fixture('qstat-u_parallel_and_serial_pending.txt'))).toBe(true);
    expect(ge.queued.parse(fixture('qstat-f_one_busy_one_idle.txt'))).toBe(false);
    expect(ge.queued.parse('')).toBe(false);
  });
});

describe('replay on Slurm', () => {
  const slurm = REPLAY_SCHEDULERS.slurm;
  const fixture24 = (name: string) => readFileSync(`test/fixtures/slurm-24.11/${name}`, 'utf8');

  it('submits a job of k whole nodes, exclusive, running the marker script', () => {
    expect(slurm.submit({ id: 18671, submitAt: 0, runFor: 9.766, nodes: 8 })).toEqual(
      ['sbatch', '--parsable', '-N', '8', '--exclusive', '-J', 'r18671', '-o', '/dev/null', '/home/ubuntu/replay/job.sh', '18671', '9.766']);
  });

  it('reads the nodes powering up (#) and the replay jobs left', () => {
    expect(slurm.booting.parse(fixture24('replay.sinfo-powering-up.txt'))).toEqual(Array.from({ length: 8 }, (_, i) => `replaye513441n${i + 1}`));
    expect(slurm.queued.parse(fixture24('replay.squeue-names.txt'))).toBe(true);
    expect(slurm.queued.parse('hostname\nwrap\n')).toBe(false);
  });
});
