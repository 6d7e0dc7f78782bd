import { describe, expect, it } from 'vitest';
import { resolveClusterConfig as resolveConfig } from '../../lib/middleware/registry.ts';
import { renderSlurmConf } from '../../lib/slurm/conf.ts';

const conf = (values: Record<string, string>) => renderSlurmConf(resolveConfig('t', { EC4DOCK_NODE_CPUS: '2', ...values }));
const settings = (text: string) => Object.fromEntries(text.split('\n').filter((l) => /^\w+=/.test(l) && !l.startsWith('NodeName') && !l.startsWith('PartitionName')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('slurm.conf', () => {
  it('declares the nodes as CLOUD nodes with a Slurm hostlist', () => {
    expect(conf({ EC4DOCK_MAXNODES: '12' })).toContain('NodeName=ec4dockernode[1-12] CPUs=2 RealMemory=1000 State=CLOUD');
    expect(conf({ EC4DOCK_MAXNODES: '1' })).toContain('NodeName=ec4dockernode1 CPUs=2');
  });

  it('keeps the settings without which nodes in containers break', () => {
    const s = settings(conf({}));
    // 24.11 knows NoAddrCache no longer (it logs an error): it must not come back
    expect(s.CommunicationParameters).toBeUndefined();
    // 24.11 lists powered-down CLOUD nodes for everyone without it (checked as ubuntu)
    expect(s.PrivateData).toBeUndefined();
    expect(s.ProctrackType).toBe('proctrack/linuxproc');
    expect(s.TaskPlugin).toBe('task/none');
    expect(s.ResumeProgram).toBe('/opt/ec4docker/slurm-power-up');
    expect(s.PrologSlurmctld).toBe('/opt/ec4docker/slurm-prolog');
    // else a powered-on node's job waits up to 3 s for Slurm's next scheduling pass
    expect(s.SchedulerParameters).toBe('batch_sched_delay=0');
    // else a node whose job ended gets the next one only at that pass, up to a second later
    expect(s.Epilog).toBe('/bin/true');
    expect(s.SlurmctldHost).toBe('ec4docker');
  });

  it('sends job records to the cluster\'s slurmdbd unless EC4DOCK_ACCOUNTING=no', () => {
    expect(settings(conf({ EC4DOCK_SERVERNAME: 'hpc' }))).toMatchObject({ AccountingStorageType: 'accounting_storage/slurmdbd', AccountingStorageHost: 'hpc-db' });
    expect(settings(conf({ EC4DOCK_ACCOUNTING: 'no' })).AccountingStorageType).toBeUndefined();
  });

  it('takes JSON web tokens, signed by the cluster\'s key, only with EC4DOCK_REST_API=yes', () => {
    expect(settings(conf({ EC4DOCK_REST_API: 'yes' }))).toMatchObject({ AuthAltTypes: 'auth/jwt', AuthAltParameters: 'jwt_key=/etc/slurm/jwt.key' });
    expect(settings(conf({})).AuthAltTypes).toBeUndefined();
  });

  it('keeps EC4DOCK_EXTRA_NODES_FREE idle nodes from Slurm\'s power saving in the slurm mode', () => {
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'slurm', EC4DOCK_EXTRA_NODES_FREE: '2', EC4DOCK_MAXNODES: '5' })).SuspendExcNodes).toBe('ec4dockernode[1-5]:2');
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'slurm' })).SuspendExcNodes).toBeUndefined();
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'monitor', EC4DOCK_EXTRA_NODES_FREE: '2' })).SuspendExcNodes).toBeUndefined();
  });

  it('lets Slurm power idle nodes off only in the slurm elasticity mode', () => {
    // a global INFINITE would disable power saving, and with it POWER_UP (seen: "Invalid node state specified")
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'none' })).SuspendTime).toBe('120');
    expect(conf({ EC4DOCK_ELASTICITY: 'none' })).toMatch(/^PartitionName=batch .* SuspendTime=INFINITE$/m);
    expect(conf({ EC4DOCK_ELASTICITY: 'monitor' })).toMatch(/^PartitionName=batch .* SuspendTime=INFINITE$/m);
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'slurm', EC4DOCK_IDLE_TIME: '30' })).SuspendTime).toBe('30');
    expect(conf({ EC4DOCK_ELASTICITY: 'slurm' })).not.toMatch(/^PartitionName=.*SuspendTime/m);
  });

  it('lets powered-off nodes come back into service by themselves only in the slurm mode', () => {
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'slurm' })).SlurmctldParameters).toContain(',idle_on_node_suspend,');
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'none' })).SlurmctldParameters).not.toContain('idle_on_node_suspend');
    expect(settings(conf({ EC4DOCK_ELASTICITY: 'monitor' })).SlurmctldParameters).not.toContain('idle_on_node_suspend');
    expect(settings(conf({ EC4DOCK_MAX_WAIT_POWERON: '90' })).ResumeTimeout).toBe('90');
  });
});
