import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchDir } from '../../lib/io/dir-watch.ts';
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

  describe('with a directory of submission marks (Slurm: job_submit.lua), armed when the check began', () => {
    const withMarks = async (body: (dir: string, marks: NonNullable<ReturnType<typeof watchDir>>) => Promise<void>) => {
      const dir = mkdtempSync(join(tmpdir(), 'marks-'));
      const marks = watchDir(dir);
      expect(marks).toBeDefined();
      try {
        await body(dir, marks!);
      } finally {
        marks?.close();
        rmSync(dir, { recursive: true });
      }
    };
    const unasked = { pendingJobs: async (): Promise<string[]> => expect.unreachable('no pending-job list with marks') };
    const mark = (dir: string) => writeFileSync(join(dir, 'last'), `${Date.now()}\n`);

    it('wakes at once when a job is marked during the rest, asking for no pending-job list', async () => {
      await withMarks(async (dir, marks) => {
        marks.arm();
        const start = Date.now();
        setTimeout(() => mark(dir), 150);
        await restUntil(unasked, start + 5000, 20, undefined, marks);
        expect(Date.now() - start).toBeGreaterThanOrEqual(140);
        expect(Date.now() - start).toBeLessThan(1000);
      });
    });

    it('ends at once for a job marked during the check, before the rest began', async () => {
      await withMarks(async (dir, marks) => {
        marks.arm();
        mark(dir);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the check
        const start = Date.now();
        await restUntil(unasked, start + 5000, 20, undefined, marks);
        expect(Date.now() - start).toBeLessThan(100);
      });
    });

    it('rests the whole tick when nothing was marked since the check began, even if something was before', async () => {
      await withMarks(async (dir, marks) => {
        mark(dir);
        await new Promise((resolve) => setTimeout(resolve, 100));
        marks.arm();
        const start = Date.now();
        await restUntil(unasked, start + 300, 20, undefined, marks);
        expect(Date.now() - start).toBeGreaterThanOrEqual(290);
      });
    });
  });

  it('a directory that does not exist cannot be watched: the caller polls', () => {
    expect(watchDir('/nonexistent/marks')).toBeUndefined();
  });
});
