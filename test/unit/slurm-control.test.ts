import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prologMayEnd } from '../../lib/slurm/control.ts';
import { parseSinfoText, parseSqueueText } from '../support/slurm-text.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/slurm/${name}`, import.meta.url), 'utf8');
/** Job `id`'s state (squeue %T) and its nodes' short states (sinfo %t), from one fixture scenario. */
function scene(scenario: string, id: string, nodes: string[]): [string, string[]] {
  const job = parseSqueueText(fixture(`${scenario}.squeue-all.txt`)).find((j) => j.id === id);
  const states = new Map(parseSinfoText(fixture(`${scenario}.sinfo-nodes.txt`)).map((n) => [n.name, n.state]));
  return [job?.state ?? '', nodes.map((n) => states.get(n) ?? '')];
}

describe('prologMayEnd (PrologSlurmctld waits for the job\'s nodes)', () => {
  it('02: the job is configuring and its node powering up (alloc#): wait', () => {
    const [job, nodes] = scene('02-job-configuring-node-powering-up', '4', ['f1-node1']);
    expect([job, nodes]).toEqual(['CONFIGURING', ['alloc#']]);
    expect(prologMayEnd(job, nodes)).toBe(false);
  });

  it('waits while a node is allocated but its power-up not yet issued (alloc~), or one of several still boots', () => {
    expect(prologMayEnd('CONFIGURING', ['alloc~'])).toBe(false);
    expect(prologMayEnd('CONFIGURING', ['alloc', 'mix#'])).toBe(false);
  });

  it('ends once every node is up (03: alloc and mix)', () => {
    const [, nodes] = scene('03-mixed-idle-alloc-pending-reasons', '', ['f1-node1', 'f1-node3']);
    expect(nodes).toEqual(['alloc', 'mix']);
    expect(prologMayEnd('CONFIGURING', nodes)).toBe(true);
  });

  it('ends when a node failed to boot: down (06: down*), drained, or down and powered down at ResumeTimeout', () => {
    const [, nodes] = scene('06-node-down-job-requeued', '', ['f1-node1']);
    expect(prologMayEnd('CONFIGURING', nodes)).toBe(true);
    expect(prologMayEnd('CONFIGURING', ['alloc#', 'down~'])).toBe(true);
    expect(prologMayEnd('CONFIGURING', ['drain%'])).toBe(true);
  });

  it('ends once Slurm requeued the job (06: PENDING), even if its node is already back to idle~', () => {
    // The CI failure: clues-monitor recovered the node 0.26 s after the requeue; the prolog never
    // saw it down, waited on, and the requeued job stayed pending, reason "Cleaning".
    const [job] = scene('06-node-down-job-requeued', '4', []);
    expect(job).toBe('PENDING');
    expect(prologMayEnd(job, ['idle~'])).toBe(true);
  });

  it('ends when the job is gone or was cancelled', () => {
    expect(prologMayEnd('', ['alloc#'])).toBe(true);
    expect(prologMayEnd('CANCELLED', ['alloc#'])).toBe(true);
  });
});
