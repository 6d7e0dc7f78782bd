import { describe, expect, it } from 'vitest';
import { checkNodeNames, clusterFilter, clusterNames, labelArgs } from '../../lib/core/names.ts';
import { resolveClusterConfig as resolveConfig } from '../../lib/middleware/registry.ts';

const config = resolveConfig('t', { EC4DOCK_SERVERNAME: 'hpc1', EC4DOCK_NODEBASENAME: 'hpc1-node', EC4DOCK_MAXNODES: '12' });

describe('cluster names and labels', () => {
  it('names nodes <basename>1..N and the other resources after the server', () => {
    const names = clusterNames(config);
    expect(names.nodes).toHaveLength(12);
    expect([names.nodes[0], names.nodes[11]]).toEqual(['hpc1-node1', 'hpc1-node12']);
    expect(names).toMatchObject({ frontend: 'hpc1', network: 'hpc1-net', homeVolume: 'hpc1-home', secretsVolume: 'hpc1-secrets' });
  });

  it('labels a node with its cluster, role, middleware and name', () => {
    expect(labelArgs(config, 'node', 'hpc1-node3')).toEqual([
      '--label', 'org.ec4docker.cluster=hpc1',
      '--label', 'org.ec4docker.role=node',
      '--label', 'org.ec4docker.middleware=slurm',
      '--label', 'org.ec4docker.node=hpc1-node3',
    ]);
  });

  it('filters by the cluster label, and by role when asked', () => {
    expect(clusterFilter('hpc1')).toEqual(['--filter', 'label=org.ec4docker.cluster=hpc1']);
    expect(clusterFilter('hpc1', 'frontend')).toEqual(['--filter', 'label=org.ec4docker.cluster=hpc1', '--filter', 'label=org.ec4docker.role=frontend']);
  });

  it('accepts node names of the cluster, once each', () => {
    expect(checkNodeNames(['hpc1-node2', 'hpc1-node12', 'hpc1-node2'], clusterNames(config))).toEqual(['hpc1-node2', 'hpc1-node12']);
  });

  it.each([['hpc1-node13'], ['hpc1-node0'], ['hpc1'], ['other-node1'], ['hpc1-node01']])('rejects %s, which is not a node of the cluster', (name) => {
    expect(() => checkNodeNames([name], clusterNames(config))).toThrow(`"${name}" is not a node of this cluster (nodes: hpc1-node1 .. hpc1-node12)`);
  });

  it('rejects an empty node list', () => {
    expect(() => checkNodeNames([], clusterNames(config))).toThrow('no node given');
  });
});
