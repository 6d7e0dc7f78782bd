import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerError, removalErrors } from '../../lib/io/docker.ts';
import type { ContainerSummary } from '../../lib/io/docker.ts';
import { mendable, nodeContainer, nodeContainersOf, poweredOnAt, specHash } from '../../lib/backend/engine.ts';
import { memoryBytes } from '../../lib/core/config.ts';
import { runArgs } from '../../lib/io/docker.ts';
import { resolveClusterConfig } from '../../lib/middleware/registry.ts';
import { startedRecently } from '../../lib/backend/types.ts';
import { CUT_OFF } from '../../lib/backend/types.ts';

// Messages of `docker run` against Docker Engine 20.10.24 here, with the 28.2 CLI (first line
// "docker: Error response from daemon: ...", help pointer last) and the 20.10 CLI of the images.
const inUse = 'docker: Error response from daemon: Conflict. The container name "/c1n1" is already in use by container "23c1c03225c4". You have to remove (or rename) that container to be able to reuse that name.\n\nRun \'docker run --help\' for more information\n';
const noNetns = 'docker: Error response from daemon: No such container: c1n1-netns\n\nRun \'docker run --help\' for more information\n';
const netnsStopped = 'docker: Error response from daemon: cannot join network of a non running container: 0cd669722dca\nSee \'docker run --help\'.\n';
const noImage = 'Unable to find image \'nope:wn\' locally\ndocker: Error response from daemon: pull access denied for nope, repository does not exist or may require \'docker login\'.\nSee \'docker run --help\'.\n';

describe('a failed docker run of a node', () => {
  it('is mended by removing a stale container of the name', () => {
    expect(mendable(inUse)).toBe('name in use');
  });

  it('is mended by making its netns container again, missing or stopped', () => {
    expect(mendable(noNetns)).toBe('no netns');
    expect(mendable(netnsStopped)).toBe('no netns');
  });

  it('leaves a container of the name that started within the power-on limit: a boot asked for twice', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    // as `docker inspect -f {{.State.StartedAt}}` prints it (20.10.24)
    expect(startedRecently('2026-12-01T11:59:58.123456789Z', now, 60)).toBe(true);
    expect(startedRecently('2026-12-01T11:58:30.000000000Z', now, 60)).toBe(false);
    expect(startedRecently('0001-01-01T00:00:00Z', now, 60)).toBe(false); // never started
  });

  it('is not mended when the image is missing', () => {
    expect(mendable(noImage)).toBeUndefined();
  });

  it('is reported by the line that says what happened, not the pointer to help', () => {
    expect(dockerError(noNetns)).toBe('docker: Error response from daemon: No such container: c1n1-netns');
    expect(dockerError(noImage)).toMatch(/^docker: Error response from daemon: pull access denied for nope/);
  });
});

describe('a docker rm -f that failed', () => {
  // captured: one container being removed by another docker rm, one that does not exist (test/fixtures/docker/SOURCES.md)
  const racing = readFileSync('test/fixtures/docker/rm-removal-in-progress_20.10.24.stderr', 'utf8');

  it('names the containers someone else is removing (to wait for), and a missing one is no error', () => {
    expect(removalErrors(racing)).toEqual({ inProgress: ['ec4fix-n1'], others: [] });
  });

  it('keeps any other error', () => {
    expect(removalErrors(`${racing}Error response from daemon: cannot remove: device or resource busy\n`).others)
      .toEqual(['Error response from daemon: cannot remove: device or resource busy']);
  });
});

const container = (name: string, role: string, state: string, node?: string): ContainerSummary => ({
  id: `id-${name}`,
  name,
  state,
  labels: { 'org.ec4docker.cluster': 'c1', 'org.ec4docker.role': role, ...(node ? { 'org.ec4docker.node': node } : {}) },
});

describe('node containers among a cluster\'s containers', () => {
  it('are the containers of role node, by node label; frontend and netns containers are not nodes', () => {
    const nodes = nodeContainersOf([
      container('c1', 'frontend', 'running'),
      container('c1n1-netns', 'netns', 'running', 'c1n1'),
      container('c1n1', 'node', 'running', 'c1n1'),
      container('c1n2-netns', 'netns', 'running', 'c1n2'),
      container('c1n3', 'node', 'exited', 'c1n3'),
    ]);
    expect([...nodes.keys()]).toEqual(['c1n1', 'c1n3']);
    expect(nodes.get('c1n1')?.state).toBe('running');
    expect(nodes.get('c1n3')?.state).toBe('exited');
  });

  it('a node running while its netns container is stopped or gone is cut off, not running', () => {
    const nodes = nodeContainersOf([
      container('c1n1-netns', 'netns', 'exited', 'c1n1'),
      container('c1n1', 'node', 'running', 'c1n1'),
      container('c1n2', 'node', 'running', 'c1n2'),
      container('c1n3-netns', 'netns', 'running', 'c1n3'),
      container('c1n3', 'node', 'created', 'c1n3'),
    ]);
    expect(nodes.get('c1n1')?.state).toBe(CUT_OFF);
    expect(nodes.get('c1n2')?.state).toBe(CUT_OFF);
    expect(nodes.get('c1n3')?.state).toBe('created');
  });

  it("is powered on when made, or, made ahead as a spare, when started (a power-off's 'made before' goes by that)", () => {
    const made = Date.parse('2026-12-03T10:00:00Z');
    const started = '2026-12-03T10:05:00.5Z';
    expect(poweredOnAt({ created: made, startedAt: started, state: 'running', labels: {} })).toBe(made);
    expect(poweredOnAt({ created: made, startedAt: started, state: 'running', labels: { 'org.ec4docker.spare': 'abc' } })).toBe(Date.parse(started));
    expect(poweredOnAt({ created: made, startedAt: '0001-01-01T00:00:00Z', state: 'created', labels: { 'org.ec4docker.spare': 'abc' } })).toBe(-Infinity);
  });

  it("a spare (made ahead, never started) is not a node's container; once started it is", () => {
    const spare = (name: string, state: string) => ({ ...container(name, 'node', state, name), labels: { ...container(name, 'node', state, name).labels, 'org.ec4docker.spare': 'abc' } });
    const nodes = nodeContainersOf([container('c1n1-netns', 'netns', 'running', 'c1n1'), spare('c1n1', 'created'), container('c1n2-netns', 'netns', 'running', 'c1n2'), spare('c1n2', 'running'), container('c1n3', 'node', 'created', 'c1n3')]);
    expect([...nodes.keys()]).toEqual(['c1n2', 'c1n3']);
  });
});

describe("a node's container", () => {
  const config = resolveClusterConfig('t', { EC4DOCK_SERVERNAME: 'hpc', EC4DOCK_NODEBASENAME: 'hpcn', EC4DOCK_MAXNODES: '3', EC4DOCK_NODE_MEMORY: '512m', EC4DOCK_NODE_CPU_LIMIT: '2' });
  it("has a spare's settings hash that changes with any setting, and only then", () => {
    expect(specHash(nodeContainer(config, 'hpcn1'))).toBe(specHash(nodeContainer(config, 'hpcn1')));
    expect(specHash(nodeContainer(config, 'hpcn1'))).not.toBe(specHash(nodeContainer(config, 'hpcn2')));
    const other = resolveClusterConfig('t', { EC4DOCK_SERVERNAME: 'hpc', EC4DOCK_NODEBASENAME: 'hpcn', EC4DOCK_MAXNODES: '3', EC4DOCK_NODE_MEMORY: '1g', EC4DOCK_NODE_CPU_LIMIT: '2' });
    expect(specHash(nodeContainer(other, 'hpcn1'))).not.toBe(specHash(nodeContainer(config, 'hpcn1')));
  });

  it('is limited in memory, CPUs and processes as configured', () => {
    const host = nodeContainer(config, 'hpcn1').HostConfig;
    expect([host.Memory, host.NanoCpus, host.PidsLimit]).toEqual([512 * 1024 ** 2, 2e9, config.nodePids]);
    expect([memoryBytes(''), memoryBytes('6291456'), memoryBytes('4G'), memoryBytes('64k')]).toEqual([0, 6291456, 4 * 1024 ** 3, 65536]);
  });
  it('is the same docker run for an engine the CLI reaches', () => {
    const args = runArgs('hpcn1', nodeContainer(config, 'hpcn1'));
    expect(args.slice(0, 7)).toEqual(['run', '-d', '--init', '--name', 'hpcn1', '--network', 'container:hpcn1-netns']);
    expect(args.join(' ')).toContain('--label org.ec4docker.node=hpcn1 -v hpc-home:/home -v hpc-secrets:/etc/ec4docker/secrets:ro --cap-drop ALL --cap-add CHOWN');
    expect(args.join(' ')).toContain(`--pids-limit ${config.nodePids} --memory 536870912 --cpus 2 --security-opt no-new-privileges -e EC4DOCK_SERVERNAME=hpc ec4dslurm:wn`);
  });
});
