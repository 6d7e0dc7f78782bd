// clues-monitor's saved state: read back as written; a file of the wrong shape is a logged reset.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMonitorState, saveMonitorState } from '../../lib/monitor/saved-state.ts';

const dir = mkdtempSync(join(tmpdir(), 'saved-state-'));
const file = join(dir, 'monitor-state.json');
const events = join(dir, 'events.jsonl');

describe('monitor state', () => {
  it('reads back what it saved', () => {
    const state = { history: { n1: { failedPowerOns: 2, idleSince: 1_800_000_000.5, setAsideSince: 1_800_000_100 } } };
    saveMonitorState(state, file);
    expect(loadMonitorState(file)).toEqual(state);
  });

  it('starts empty, logging why, from a file that is not JSON or has the wrong types', () => {
    process.env.EC4D_EVENT_LOG = events;
    for (const [text, why] of [
      ['{"history": {"n1": {"failedPowerOns": "3"}}}', 'n1: failedPowerOns is not a count'],
      ['{"history": {"n1": {"failedPowerOns": 0, "idleSince": "yesterday"}}}', 'n1: idleSince is not a time'],
      ['{"history": []}', 'no history object'],
      ['{"hist', 'not JSON'],
    ]) {
      writeFileSync(file, text);
      expect(loadMonitorState(file)).toEqual({ history: {} });
      const last = JSON.parse(readFileSync(events, 'utf8').trim().split('\n').at(-1)!) as { action: string; reason: string };
      expect(last).toMatchObject({ action: 'warning', reason: `${file}: ${why}; starting with no history` });
    }
  });

  it('starts empty, without a warning, when there is no file yet', () => {
    expect(loadMonitorState(join(dir, 'none.json'))).toEqual({ history: {} });
  });
});
