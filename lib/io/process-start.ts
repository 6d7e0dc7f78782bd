// When this process was forked: for slurm-suspend, the moment slurmctld decided, before the exec
// and the executable's own start (a fifth of a second, seconds on a loaded host).
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ, the unit of /proc/PID/stat's start time, is 100 on every architecture. */
const TICKS_PER_SECOND = 100;

/**
 * The epoch milliseconds at which the process of `stat` (/proc/PID/stat) was forked, given
 * /proc/uptime and the clock read beside it; undefined if either text is not what Linux writes.
 */
export function forkedAt(stat: string, uptime: string, now: number): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces and ')': fields 3... follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[22 - 3]);
  const upSeconds = Number(uptime.split(' ')[0]);
  if (!Number.isFinite(startTicks) || !Number.isFinite(upSeconds) || fields.length < 20) return undefined;
  return Math.round(now - (upSeconds - startTicks / TICKS_PER_SECOND) * 1000);
}

/** When this process was forked (10 ms steps); Node's own start where /proc cannot tell. */
export function processForkedAt(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const uptime = readFileSync('/proc/uptime', 'utf8');
    return Math.min(forkedAt(stat, uptime, Date.now()) ?? performance.timeOrigin, performance.timeOrigin);
  } catch {
    return performance.timeOrigin;
  }
}
