// The marks of nodes seen registered (lib/slurm/registered.ts) and the prolog that reads them
// (dockerfiles/slurm/frontend/slurm-prolog, run here as Slurm runs it: by /bin/sh, with no PATH):
// a job waits for its nodes only when one of them has no mark.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registrations } from '../../lib/slurm/power.ts';
import { allRegistered, forgetBooting, forgetRegistered, markBooting, markRegistered } from '../../lib/slurm/registered.ts';

const PROLOG = join(__dirname, '../../dockerfiles/slurm/frontend/slurm-prolog');
const POWER_UP = join(__dirname, '../../dockerfiles/slurm/frontend/slurm-power-up');

/** Runs the prolog for a job on `nodelist`; says whether it handed over to the wait. */
function prolog(dir: string, nodelist: string): string {
  const wait = join(dir, '..', 'wait');
  writeFileSync(wait, '#!/bin/sh\necho waited\n', { mode: 0o755 });
  const env = { SLURM_JOB_NODELIST: nodelist, SLURM_JOB_ID: '7', EC4D_REGISTERED_DIR: dir, EC4D_BOOTING_DIR: bootingOf(dir), EC4D_PROLOG_WAIT: wait };
  return execFileSync('/bin/sh', [PROLOG], { env, encoding: 'utf8' }).trim() || 'at once';
}

/** A fresh `registered` directory, with its `booting` sibling. */
const marks = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ec4d-registered-')), 'registered');
  execFileSync('mkdir', [dir, bootingOf(dir)]);
  return dir;
};
const bootingOf = (dir: string) => join(dir, '..', 'booting');

/** Runs `script` in the background while the test goes on (a watcher's late mark). */
const later = (script: string) => spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });

describe('nodes seen registered', () => {
  it('marks and forgets nodes, and forgetting a node never marked is no error', () => {
    const dir = marks();
    markRegistered(['c1n1', 'c1n2'], dir);
    expect(readdirSync(dir).sort()).toEqual(['c1n1', 'c1n2']);
    forgetRegistered(['c1n1', 'c1n9'], dir);
    expect(readdirSync(dir)).toEqual(['c1n2']);
  });

  it('marks nothing, without failing, where the directory is missing', () => {
    const dir = join(marks(), 'missing');
    expect(() => markRegistered(['c1n1'], dir)).not.toThrow();
    expect(existsSync(dir)).toBe(false);
  });

  it('says whether every node of a job is marked', () => {
    const dir = marks();
    markRegistered(['c1n1', 'c1n2'], dir);
    expect(allRegistered(['c1n2', 'c1n1'], dir)).toBe(true);
    expect(allRegistered(['c1n1', 'c1n3'], dir)).toBe(false);
    expect(allRegistered(['c1n1'], join(dir, 'missing'))).toBe(false);
  });

  it('lets a job on marked nodes go at once, and makes any other wait', () => {
    const dir = marks();
    markRegistered(['c1n1', 'c1n2', 'c1n3'], dir);
    expect(prolog(dir, 'c1n2')).toBe('at once');
    expect(prolog(dir, 'c1n1,c1n3')).toBe('at once');
    expect(prolog(dir, 'c1n4')).toBe('waited');
    expect(prolog(dir, 'c1n3,c1n4')).toBe('waited');
    expect(prolog(dir, '')).toBe('at once');
  });

  it('waits for the mark of a node whose watcher is alive, and hands over when the watch ends without one', () => {
    const dir = marks();
    markBooting(['c1n1', 'c1n2'], bootingOf(dir)); // this test's pid: alive
    later(`sleep 0.3; : > ${join(dir, 'c1n1')}; sleep 0.2; : > ${join(dir, 'c1n2')}`);
    const started = Date.now();
    expect(prolog(dir, 'c1n1,c1n2')).toBe('at once');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    markBooting(['c1n3'], bootingOf(dir));
    later(`sleep 0.2; rm ${join(bootingOf(dir), 'c1n3')}`); // the watch ended: the node failed
    expect(prolog(dir, 'c1n3')).toBe('waited');
    forgetBooting(['c1n1', 'c1n2'], bootingOf(dir));
    expect(readdirSync(bootingOf(dir))).toEqual([]);
  });

  it('does not wait for a watcher that is gone (a monitor killed while a node booted)', () => {
    const dir = marks();
    const gone = execFileSync('/bin/sh', ['-c', 'sh -c "echo \\$\\$" & wait'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bootingOf(dir), 'c1n1'), `${gone}\n`);
    const started = Date.now();
    expect(prolog(dir, 'c1n1')).toBe('waited');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/** Runs the ResumeProgram for `nodelist`; says whether it handed the list to slurm-resume. */
function powerUp(booting: string, nodelist: string): string {
  const resume = join(booting, '..', 'resume');
  writeFileSync(resume, '#!/bin/sh\necho "slurm-resume $1"\n', { mode: 0o755 });
  return execFileSync('/bin/sh', [POWER_UP, nodelist], { env: { EC4D_BOOTING_DIR: booting, EC4D_RESUME: resume }, encoding: 'utf8' }).trim() || 'nothing';
}

describe('Slurm powering up nodes', () => {
  it('leaves nodes to the live watcher that is starting them, and hands any other list to slurm-resume whole', () => {
    const booting = bootingOf(marks());
    markBooting(['c1n1', 'c1n2'], booting); // this test's pid: alive
    expect(powerUp(booting, 'c1n1,c1n2')).toBe('nothing');
    expect(powerUp(booting, 'c1n2,c1n3')).toBe('slurm-resume c1n2,c1n3');
    const gone = execFileSync('/bin/sh', ['-c', 'sh -c "echo \\$\\$" & wait'], { encoding: 'utf8' }).trim();
    writeFileSync(join(booting, 'c1n4'), `${gone}\n`); // a watcher killed while the node booted
    expect(powerUp(booting, 'c1n4')).toBe('slurm-resume c1n4');
  });
});

describe('nodes started here, watched until they register', () => {
  // Short states as sinfo printed them for a node resumed and started by clues-monitor: powered
  // off until slurmd registers (idle~), or powering up once Slurm gave it a job (mix#, alloc#).
  it('marks the ones up, and keeps watching the ones neither up nor failed', () => {
    const states = new Map([['n1', 'idle'], ['n2', 'idle~'], ['n3', 'alloc#'], ['n4', 'mix'], ['n5', 'down~'], ['n6', 'drain~']]);
    expect(registrations(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'], states)).toEqual({ up: ['n1', 'n4'], booting: ['n2', 'n3', 'n7'] });
  });
});
