// forkedAt: a process's fork time from /proc, which slurm-suspend compares with a node's creation.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forkedAt } from '../../lib/io/process-start.ts';

// /proc/12311/stat and /proc/uptime read together on the development machine (Debian 12, Linux 6.1).
const STAT = '12311 (cat) R 12308 12308 11656 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 4673386 3133440 381 18446744073709551615 94375408979968 94375408999849 140724207173440 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94375409015856 94375409017472 94375489421312 140724207176213 140724207176233 140724207176233 140724207177707 0\n';
const UPTIME = '46733.87 33866.40\n';

describe('forkedAt', () => {
  it('reads field 22, in hundredths of a second since boot, against the uptime', () => {
    expect(forkedAt(STAT, UPTIME, 1_000_000)).toBe(1_000_000 - 10);
  });

  it('finds the fields after a command name that holds spaces and parentheses', () => {
    expect(forkedAt(STAT.replace('(cat)', '(a) b (c)'), UPTIME, 1_000_000)).toBe(1_000_000 - 10);
  });

  it('is undefined for text that is not /proc', () => {
    expect(forkedAt('', UPTIME, 1)).toBeUndefined();
    expect(forkedAt(STAT, 'up 3 days', 1)).toBeUndefined();
  });

  it('dates a real child to its spawn, to a few hundredths', async () => {
    const spawned = Date.now();
    const child = spawn('sleep', ['1']);
    await new Promise((resolve) => child.once('spawn', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const at = forkedAt(readFileSync(`/proc/${child.pid}/stat`, 'utf8'), readFileSync('/proc/uptime', 'utf8'), Date.now());
    child.kill();
    expect(Math.abs((at ?? 0) - spawned)).toBeLessThan(60);
  });
});
