// The engine gate's rules: what the frontend may ask of the engine. Create bodies as the docker
// CLI sends them for ec4docker's own `docker run` of a node and of a netns container (Docker
// Engine API, ContainerCreate), and the attacks each rule stops.
import { describe, expect, it } from 'vitest';
import { nodeContainer } from '../../lib/backend/engine.ts';
import { checkCreate, judge, ownsTarget, unversioned } from '../../lib/gate/rules.ts';
import { resolveClusterConfig } from '../../lib/middleware/registry.ts';

const config = resolveClusterConfig('t', { EC4DOCK_SERVERNAME: 'hpc', EC4DOCK_NODEBASENAME: 'hpcn', EC4DOCK_MAXNODES: '3' });
const labels = (role: string, node: string) => ({ 'org.ec4docker.cluster': 'hpc', 'org.ec4docker.role': role, 'org.ec4docker.middleware': 'slurm', 'org.ec4docker.node': node });
const CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE'];
const nodeBody = (more: Record<string, unknown> = {}, host: Record<string, unknown> = {}) => ({
  Image: 'ec4dslurm:wn', Labels: labels('node', 'hpcn2'), Env: ['EC4DOCK_SERVERNAME=hpc'],
  HostConfig: {
    Binds: ['hpc-home:/home', 'hpc-secrets:/etc/ec4docker/secrets:ro'], NetworkMode: 'container:hpcn2-netns', Init: true,
    CapAdd: CAPS, CapDrop: ['ALL'], PidsLimit: 4096, SecurityOpt: ['no-new-privileges'], Privileged: false,
    PidMode: '', IpcMode: '', UTSMode: '', Devices: [], Mounts: null, ...host,
  },
  ...more,
});
const netnsBody = (host: Record<string, unknown> = {}) => ({
  Image: 'ec4dslurm:frontend', Hostname: 'hpcn2', Labels: labels('netns', 'hpcn2'), Entrypoint: ['sleep'], Cmd: ['infinity'],
  HostConfig: { NetworkMode: 'hpc-net', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], RestartPolicy: { Name: 'unless-stopped' }, ...host },
});
const why = (v: ReturnType<typeof checkCreate>) => (v.kind === 'deny' ? v.why : v.kind);

describe('engine gate: creates', () => {
  it("passes a node and a netns container made as ec4docker makes them", () => {
    expect(checkCreate(config, 'hpcn2', nodeBody())).toEqual({ kind: 'pass' });
    expect(checkCreate(config, 'hpcn2-netns', netnsBody())).toEqual({ kind: 'pass' });
  });

  it("passes the body the frontend itself sends for a node (over the API, not through the CLI)", () => {
    expect(checkCreate(config, 'hpcn2', nodeContainer(config, 'hpcn2'))).toEqual({ kind: 'pass' });
    expect(why(checkCreate(config, 'hpcn3', nodeContainer(config, 'hpcn2')))).toMatch(/must carry the labels/);
  });

  it('refuses the host mounted in, privileged, the host namespaces, devices, extra capabilities', () => {
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { Binds: ['/:/host', 'hpc-home:/home'] })))).toMatch(/may mount only hpc-home:\/home and hpc-secrets/);
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { Privileged: true })))).toBe('privileged containers are not allowed');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { PidMode: 'host' })))).toBe('PidMode=host is not allowed');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { UsernsMode: 'host' })))).toBe('UsernsMode=host is not allowed');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { Devices: [{ PathOnHost: '/dev/sda' }] })))).toBe('Devices is not allowed');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] })))).toBe('Mounts is not allowed');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { CapAdd: [...CAPS, 'SYS_ADMIN'] })))).toBe('capabilities SYS_ADMIN are not allowed for a node container');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { CapDrop: [] })))).toMatch(/--cap-drop ALL/);
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { SecurityOpt: ['seccomp=unconfined'] })))).toBe('security option seccomp=unconfined is not allowed');
    expect(why(checkCreate(config, 'hpcn2-netns', netnsBody({ CapAdd: ['NET_ADMIN'] })))).toBe('capabilities NET_ADMIN are not allowed for a netns container');
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { NetworkMode: 'host' })))).toMatch(/must be on network container:hpcn2-netns, not host/);
    expect(why(checkCreate(config, 'hpcn2', nodeBody({}, { PortBindings: { '22/tcp': [{ HostPort: '2222' }] } })))).toBe('published ports are not allowed');
  });

  it('refuses another image, another name, another cluster\'s labels', () => {
    expect(why(checkCreate(config, 'hpcn2', nodeBody({ Image: 'debian:bookworm' })))).toBe('hpcn2 must run image ec4dslurm:wn, not debian:bookworm');
    expect(why(checkCreate(config, 'evil', nodeBody()))).toBe('a container named "evil" is not a node of cluster hpc');
    expect(why(checkCreate(config, 'hpcn4', nodeBody()))).toMatch(/not a node of cluster hpc/);
    expect(why(checkCreate(config, 'hpcn2', nodeBody({ Labels: { ...labels('node', 'hpcn2'), 'org.ec4docker.cluster': 'other' } })))).toMatch(/must carry the labels of cluster hpc/);
    expect(why(checkCreate(config, 'hpcn2', nodeBody({ Labels: labels('node', 'hpcn1') })))).toMatch(/node hpcn2/);
  });
});

describe('engine gate: other requests', () => {
  const req = (method: string, path: string, query = '') => judge(config, { method, path: unversioned(path), query: new URLSearchParams(query) });

  it('passes the version handshake, and lists only the cluster\'s containers', () => {
    expect(req('HEAD', '/_ping')).toEqual({ kind: 'pass' });
    expect(req('GET', '/v1.41/version')).toEqual({ kind: 'pass' });
    const listing = req('GET', '/v1.41/containers/json', `filters=${encodeURIComponent('{"label":{"org.ec4docker.role=node":true}}')}`);
    expect(listing.kind === 'pass-listing' && JSON.parse(listing.filters)).toEqual({ label: { 'org.ec4docker.role=node': true, 'org.ec4docker.cluster=hpc': true } });
    const all = req('GET', '/containers/json');
    expect(all.kind === 'pass-listing' && JSON.parse(all.filters)).toEqual({ label: { 'org.ec4docker.cluster=hpc': true } });
  });

  it('checks the target of a start, inspect, logs or removal, and refuses exec, images, volumes, the rest', () => {
    expect(req('DELETE', '/v1.41/containers/hpcn1', 'force=1&v=1')).toEqual({ kind: 'check-target', id: 'hpcn1', roles: ['node', 'netns'] });
    expect(req('POST', '/containers/abc123/start')).toMatchObject({ kind: 'check-target', id: 'abc123' });
    expect(req('GET', '/containers/hpcn1/logs', 'tail=3')).toMatchObject({ kind: 'check-target' });
    expect(req('GET', '/networks/hpc-net')).toEqual({ kind: 'check-network', id: 'hpc-net' });
    for (const [method, path] of [['POST', '/containers/hpcn1/exec'], ['POST', '/images/create'], ['POST', '/volumes/create'], ['DELETE', '/volumes/hpc-home'],
      ['POST', '/containers/hpcn1/update'], ['POST', '/networks/create'], ['GET', '/info'], ['POST', '/build'], ['POST', '/swarm/init']]) {
      expect(req(method, path)).toEqual({ kind: 'deny', why: `${method} ${path} is not something ec4docker does` });
    }
  });

  it("reads the nodes' image (is a spare made from it?), and no other image", () => {
    expect(req('GET', `/v1.41/images/${encodeURIComponent(config.workerImage)}/json`)).toEqual({ kind: 'pass' });
    for (const [method, path] of [['GET', '/images/ec4dslurm:frontend/json'], ['DELETE', `/images/${config.workerImage}`], ['GET', '/images/json'], ['POST', `/images/${config.workerImage}/tag`]]) {
      expect(req(method, path)).toEqual({ kind: 'deny', why: `${method} ${path} is not something ec4docker does` });
    }
  });

  it("owns a target only with this cluster's label and a node or netns role", () => {
    expect(ownsTarget(config, labels('node', 'hpcn1'), ['node', 'netns'])).toBe(true);
    expect(ownsTarget(config, labels('frontend', ''), ['node', 'netns'])).toBe(false);
    expect(ownsTarget(config, { ...labels('node', 'hpcn1'), 'org.ec4docker.cluster': 'other' }, ['node'])).toBe(false);
    expect(ownsTarget(config, undefined, ['node'])).toBe(false);
  });
});
