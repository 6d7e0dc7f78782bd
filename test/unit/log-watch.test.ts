import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LogWatch, watchLog } from '../../lib/io/log-watch.ts';

// Lines as slurmctld 24.11 logs them (a replay's slurmctld.log, 2026-12-02).
const REGISTERED = '[2026-12-02T14:31:58.028] Node dev1n1 now responding\n';
const OTHER = '[2026-12-02T14:31:57.981] update_node: node dev1n1 state set to ALLOCATED\n';
const responding = (line: string) => / Node dev1n1 now responding$/.test(line);

async function withLog(body: (path: string, log: LogWatch) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'log-watch-'));
  const path = join(dir, 'slurmctld.log');
  writeFileSync(path, REGISTERED); // before the watch: not news
  const log = watchLog(path, responding);
  expect(log).toBeDefined();
  try {
    await body(path, log!);
  } finally {
    log?.close();
    rmSync(dir, { recursive: true });
  }
}

/** ms until the watch woke, waiting at most `limit` ms. */
async function wokeAfter(log: LogWatch, limit: number): Promise<number> {
  const start = Date.now();
  await log.until(start + limit);
  return Date.now() - start;
}

describe('watchLog (a boot watcher wakes on slurmctld registrations)', () => {
  it('wakes at once for a matching line appended, written in two pieces', async () => {
    await withLog(async (path, log) => {
      setTimeout(() => appendFileSync(path, REGISTERED.slice(0, 20)), 50);
      setTimeout(() => appendFileSync(path, REGISTERED.slice(20)), 120);
      const ms = await wokeAfter(log, 3000);
      expect(ms).toBeGreaterThanOrEqual(110);
      expect(ms).toBeLessThan(1000);
    });
  });

  it('sleeps through lines that do not match, and through the lines there before the watch', async () => {
    await withLog(async (path, log) => {
      setTimeout(() => appendFileSync(path, OTHER), 50);
      expect(await wokeAfter(log, 300)).toBeGreaterThanOrEqual(290);
    });
  });

  it('a match before the wait ends it at once, until armed again', async () => {
    await withLog(async (path, log) => {
      appendFileSync(path, REGISTERED);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await wokeAfter(log, 2000)).toBeLessThan(50);
      log.arm();
      expect(await wokeAfter(log, 200)).toBeGreaterThanOrEqual(190);
    });
  });

  it('reads a log truncated in place from its start', async () => {
    await withLog(async (path, log) => {
      truncateSync(path, 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      setTimeout(() => appendFileSync(path, REGISTERED), 50);
      expect(await wokeAfter(log, 3000)).toBeLessThan(1000);
    });
  });

  it('a log that is not there gives no watch: the caller polls', () => {
    expect(watchLog(join(tmpdir(), 'no-such-dir-ec4d', 'slurmctld.log'), responding)).toBeUndefined();
  });
});
