// The event log: one JSON line per event, rotated by size so that it never fills the disk.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_LOG_MAX_BYTES, logEvent } from '../../lib/io/events.ts';

describe('event log', () => {
  it('appends one JSON line per event, with its time', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'events-')), 'events.jsonl');
    process.env.EC4D_EVENT_LOG = log;
    logEvent({ action: 'power_on', node: 'n1', by: 'test', reason: 'a job waits' });
    logEvent({ action: 'power_off', node: 'n1', by: 'test', reason: 'idle' });
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => l.action)).toEqual(['power_on', 'power_off']);
    expect(lines[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('moves a log of 100 MB aside to .1 and begins a new one', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'events-')), 'events.jsonl');
    process.env.EC4D_EVENT_LOG = log;
    const fd = openSync(log, 'w');
    const line = Buffer.from(`${JSON.stringify({ action: 'old', node: 'n1', by: 'test', reason: 'x'.repeat(1000) })}\n`);
    const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line));
    for (let written = 0; written < 100 * 1024 * 1024; written += chunk.length) writeSync(fd, chunk);
    closeSync(fd);
    logEvent({ action: 'power_on', node: 'n1', by: 'test', reason: 'after the rotation' });
    expect(statSync(`${log}.1`).size).toBeGreaterThan(EVENT_LOG_MAX_BYTES);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(`${log}.2`)).toBe(false);
  });
});
