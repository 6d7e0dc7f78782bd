// How setup-cluster -t counts a Torque cluster's jobs before it terminates it: from plain qstat,
// as Torque 6.1.3 prints it (captured live, test/fixtures/torque/SOURCES.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torque } from '../../lib/torque/index.ts';

describe('Torque job list', () => {
  it('counts queued, held and running jobs, not completed ones kept for keep_completed', () => {
    const qstat = readFileSync('test/fixtures/torque/ec4d-torque6.1.3_qstat_Q_H_R_C.txt', 'utf8');
    expect(torque.jobList.count(qstat)).toBe(3);
  });

  it('counts nothing when qstat prints nothing', () => {
    expect(torque.jobList.count('')).toBe(0);
  });
});
