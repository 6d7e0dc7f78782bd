import { describe, expect, it } from 'vitest';
import { restUntil } from '../../lib/monitor/rest.ts';

// A scheduler whose pending-job list changes after `after` calls.
const changing = (before: string[], later: string[], after: number) => {
  let calls = 0;
  return { pendingJobs: async () => (++calls > after ? later : before) };
};

describe('clues-monitor rest between checks', () => {
  it('ends early when a job appears that was not pending at the start', async () => {
    const start = Date.now();
    await restUntil(changing(['7'], ['7', '8'], 2), start + 5000, 20);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('ends at once for a job submitted during the check, when the jobs pending at its start are given', async () => {
    const start = Date.now();
    await restUntil(changing(['7', '8'], ['7', '8'], 0), start + 5000, 20, Promise.resolve(['7']));
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('rests the whole tick when the pending jobs stay the same or only leave', async () => {
    const start = Date.now();
    await restUntil(changing(['7', '8'], ['8'], 2), start + 300, 20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('rests the whole tick with a scheduler that cannot list pending jobs cheaply', async () => {
    const start = Date.now();
    await restUntil({}, start + 250, 20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(240);
  });
});
