// rotate-logs: a log past its size is kept once as .1 and emptied in place; a writer appending
// to it goes on writing into the emptied file.
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateLogs } from '../../lib/io/rotate.ts';

describe('rotate-logs', () => {
  it('rotates only the logs past the size, and the appending writer keeps writing to the emptied file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
    const big = join(dir, 'slurmctld.log');
    const small = join(dir, 'monitor.log');
    const fd = openSync(big, 'a'); // as a daemon holds its log: O_APPEND
    writeSync(fd, 'x'.repeat(2048));
    writeFileSync(small, 'short\n');
    writeFileSync(join(dir, 'events.jsonl'), 'y'.repeat(4096)); // not a *.log: its writer rotates it
    expect(rotateLogs([dir, join(dir, 'missing')], 1024)).toEqual([big]);
    expect(statSync(`${big}.1`).size).toBe(2048);
    expect(statSync(big).size).toBe(0);
    writeSync(fd, 'after\n');
    closeSync(fd);
    expect(readFileSync(big, 'utf8')).toBe('after\n');
    appendFileSync(small, 'more\n');
    expect(readFileSync(small, 'utf8')).toBe('short\nmore\n');
  });
});
