// The marks of nodes seen registered (lib/slurm/registered.ts) and the prolog that reads them
// (dockerfiles/slurm/frontend/slurm-prolog, run here as Slurm runs it: by /bin/sh, with no PATH):
// a job waits for its nodes only when one of them has no mark.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetRegistered, markRegistered } from '../../lib/slurm/registered.ts';

const PROLOG = join(__dirname, '../../dockerfiles/slurm/frontend/slurm-prolog');

/** Runs the prolog for a job on `nodelist`; says whether it handed over to the wait. */
function prolog(dir: string, nodelist: string): string {
  const wait = join(dir, '..', 'wait');
  writeFileSync(wait, '#!/bin/sh\necho waited\n', { mode: 0o755 });
  const env = { SLURM_JOB_NODELIST: nodelist, SLURM_JOB_ID: '7', EC4D_REGISTERED_DIR: dir, EC4D_PROLOG_WAIT: wait };
  return execFileSync('/bin/sh', [PROLOG], { env, encoding: 'utf8' }).trim() || 'at once';
}

const marks = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ec4d-registered-')), 'registered');
  execFileSync('mkdir', [dir]);
  return dir;
};

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

  it('lets a job on marked nodes go at once, and makes any other wait', () => {
    const dir = marks();
    markRegistered(['c1n1', 'c1n2', 'c1n3'], dir);
    expect(prolog(dir, 'c1n2')).toBe('at once');
    expect(prolog(dir, 'c1n1,c1n3')).toBe('at once');
    expect(prolog(dir, 'c1n4')).toBe('waited');
    expect(prolog(dir, 'c1n3,c1n4')).toBe('waited');
    expect(prolog(dir, '')).toBe('at once');
  });
});
