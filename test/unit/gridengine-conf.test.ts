import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterSettings, setConfValues } from '../../lib/gridengine/conf.ts';

const fixture = (name: string) => readFileSync(`test/fixtures/gridengine/${name}`, 'utf8');
const value = (text: string, name: string) => new RegExp(`^${name}\\s+(.*)$`, 'm').exec(text)?.[1];

describe('setConfValues on real qconf output', () => {
  it('sets queue values and keeps every other line', () => {
    const text = fixture('qconf-sq_main.q.txt');
    const out = setConfValues(text, { slots: '8', shell: '/bin/zsh' });
    expect(value(out, 'slots')).toBe('8');
    expect(value(out, 'shell')).toBe('/bin/zsh');
    expect(value(out, 'shell_start_mode')).toBe('unix_behavior'); // a longer name starting alike is untouched
    expect(out.split('\n').length).toBe(text.split('\n').length);
  });

  it('keeps continuation lines of values it does not change', () => {
    const text = fixture('qconf-sconf_global.txt');
    const out = setConfValues(text, { max_unheard: '00:00:10' });
    expect(value(out, 'max_unheard')).toBe('00:00:10');
    expect(out).toContain('flush_time=00:00:15 joblog=false sharelog=00:00:00');
  });

  it('replaces a continued value whole', () => {
    const out = setConfValues(fixture('qconf-sconf_global.txt'), { reporting_params: 'accounting=true' });
    expect(value(out, 'reporting_params')).toBe('accounting=true');
    expect(out).not.toContain('flush_time=');
    expect(value(out, 'finished_jobs')).toBe('100');
  });

  it('fails on a name the configuration does not have', () => {
    expect(() => setConfValues(fixture('qconf-ssconf.txt'), { no_such_key: '1' })).toThrow('no no_such_key in the configuration');
  });

  it("applies ec4docker's settings to every captured configuration", () => {
    const s = clusterSettings(4, 'fe');
    expect(value(setConfValues(fixture('qconf-sq_main.q.txt'), s.queue), 'slots')).toBe('4');
    expect(value(setConfValues(fixture('qconf-sconf_global.txt'), s.global), 'max_unheard')).toBe('00:00:30');
    expect(value(setConfValues(fixture('qconf-ssconf.txt'), s.scheduler), 'flush_submit_sec')).toBe('1');
    const off = setConfValues(fixture('qconf-sq_main.q.txt'), s.offQueue);
    expect([value(off, 'qname'), value(off, 'hostlist'), value(off, 'slots')]).toEqual(['poweredoff.q', 'fe', '0']);
  });
});
