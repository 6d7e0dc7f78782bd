// EC4DOCK_ORCHESTRATOR=swarm: its config checks, the service a node becomes, how its task reads
// as a node's state, and what the gate lets a frontend create on the Swarm — on the body the
// docker CLI really sends (test/fixtures/docker/SOURCES.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ApiHost, type ApiService, type ApiTask, nodeService, swarmInstances, taskAddress, taskState } from '../../lib/backend/swarm.ts';
import { CUT_OFF } from '../../lib/backend/types.ts';
import { configToEnv } from '../../lib/core/config.ts';
import { checkServiceCreate, judge, ownsSecret } from '../../lib/gate/rules.ts';
import { resolveClusterConfig } from '../../lib/middleware/registry.ts';

const SWARM = { EC4DOCK_SERVERNAME: 'hpc', EC4DOCK_NODEBASENAME: 'hpcn', EC4DOCK_ORCHESTRATOR: 'swarm', EC4DOCK_SHARED_HOME: 'bind:/srv/ec4docker-home', EC4DOCK_REGISTRY: 'reg:5000' };
const swarm = (more: Record<string, string> = {}) => resolveClusterConfig('t', { ...SWARM, ...more });
const config = swarm({ EC4DOCK_SWARM_CONSTRAINTS: 'node.role==worker', EC4DOCK_NODE_MEMORY: '1g' });

describe('swarm config', () => {
  it('reads the swarm keys, and hands them to the frontend', () => {
    expect(config).toMatchObject({ orchestrator: 'swarm', sharedHome: { kind: 'bind', path: '/srv/ec4docker-home' }, registry: 'reg:5000', swarmConstraints: ['node.role==worker'] });
    expect(configToEnv(config)).toMatchObject({ EC4DOCK_ORCHESTRATOR: 'swarm', EC4DOCK_SHARED_HOME: 'bind:/srv/ec4docker-home', EC4DOCK_REGISTRY: 'reg:5000', EC4DOCK_SWARM_CONSTRAINTS: 'node.role==worker' });
    expect(resolveClusterConfig('t', {})).toMatchObject({ orchestrator: 'engine', sharedHome: { kind: 'volume' }, registry: '', swarmConstraints: [] });
  });

  it.each([
    [{ EC4DOCK_SHARED_HOME: 'volume' }, "t: EC4DOCK_SHARED_HOME volume is one engine's: with EC4DOCK_ORCHESTRATOR=swarm use nfs, or bind:PATH (a directory every host shares at PATH), got \"volume\""],
    [{ EC4DOCK_REGISTRY: '' }, 'EC4DOCK_REGISTRY must name a registry every Swarm host can pull from (host:port) with EC4DOCK_ORCHESTRATOR=swarm'],
    [{ EC4DOCK_MIDDLEWARE: 'sge' }, 'EC4DOCK_MIDDLEWARE with EC4DOCK_ORCHESTRATOR=swarm must be slurm (sge nodes need fixed addresses'],
    [{ EC4DOCK_ORCHESTRATOR: 'kubernetes' }, 'EC4DOCK_ORCHESTRATOR must be one of engine, swarm'],
    [{ EC4DOCK_SHARED_HOME: 'bind:home' }, 'bind:PATH needs an absolute path'],
    [{ EC4DOCK_SHARED_HOME: 'bind:/srv/a,b' }, 'bind:PATH needs an absolute path'],
    [{ EC4DOCK_SHARED_HOME: 'nfs:server' }, 'EC4DOCK_SHARED_HOME must be volume, nfs or bind:PATH'],
    [{ EC4DOCK_SHARED_HOME: 'nfs', EC4DOCK_NFS_ADDRESS: 'server' }, 'EC4DOCK_NFS_ADDRESS must be an IPv4 address'],
    [{ EC4DOCK_NFS_ADDRESS: '10.0.0.5' }, 'EC4DOCK_NFS_ADDRESS is where the hosts reach the NFS server: it needs EC4DOCK_SHARED_HOME=nfs'],
    [{ EC4DOCK_REGISTRY: 'http://reg:5000' }, 'EC4DOCK_REGISTRY must be a registry address'],
    [{ EC4DOCK_SWARM_CONSTRAINTS: 'node.role=worker' }, 'EC4DOCK_SWARM_CONSTRAINTS must be Swarm placement constraints'],
    [{ EC4DOCK_SWARM_LOST_AFTER: '2.5' }, 'EC4DOCK_SWARM_LOST_AFTER must be a whole number from 0 to 3600'],
  ])('refuses %j in one line naming the key', (more, message) => {
    expect(() => swarm(more)).toThrow(message);
  });

  it('reads how long a silent node takes to count as lost (5 s unless told), 0 leaving it to Swarm', () => {
    expect(config.swarmLostAfterSeconds).toBe(5);
    expect(swarm({ EC4DOCK_SWARM_LOST_AFTER: '0' }).swarmLostAfterSeconds).toBe(0);
    expect(configToEnv(swarm({ EC4DOCK_SWARM_LOST_AFTER: '8' }))).toMatchObject({ EC4DOCK_SWARM_LOST_AFTER: '8' });
  });

  it('refuses placement constraints, a lost-node limit and an NFS /home without a Swarm', () => {
    expect(() => resolveClusterConfig('t', { EC4DOCK_SWARM_CONSTRAINTS: 'node.role==worker' })).toThrow('EC4DOCK_SWARM_CONSTRAINTS places Swarm services: it needs EC4DOCK_ORCHESTRATOR=swarm');
    expect(() => resolveClusterConfig('t', { EC4DOCK_SWARM_LOST_AFTER: '3' })).toThrow('EC4DOCK_SWARM_LOST_AFTER is for nodes on other hosts: it needs EC4DOCK_ORCHESTRATOR=swarm');
    expect(() => resolveClusterConfig('t', { EC4DOCK_SHARED_HOME: 'nfs' })).toThrow('EC4DOCK_SHARED_HOME nfs shares /home across the hosts of a Swarm (EC4DOCK_ORCHESTRATOR=swarm); on one engine use volume');
  });
});

describe('a node as a Swarm service', () => {
  const fixture = (file: string) => JSON.parse(readFileSync(`test/fixtures/docker/${file}`, 'utf8'));
  const ids = new Map([['hpc-munge-key', 'secretid0'], ['hpc-root-authorized-keys', 'secretid1']]);

  it('is the body the docker CLI sends: one task, never restarted, named and hostnamed after the node, its secrets, /home, limits and placement', () => {
    expect(nodeService(config, 'hpcn2', 'netid123', ids)).toEqual(fixture('service-create_cli-26.1.5.json'));
  });

  it('keeps a node off the hosts it must avoid, besides the configured constraints', () => {
    expect(nodeService(config, 'hpcn2', 'netid123', ids, ['hostid9']).TaskTemplate.Placement).toEqual({ Constraints: ['node.role==worker', 'node.id!=hostid9'] });
    expect(nodeService(swarm(), 'hpcn2', 'netid123', ids, ['hostid9']).TaskTemplate.Placement).toEqual({ Constraints: ['node.id!=hostid9'] });
  });

  it("mounts an NFS /home through the host's engine: a nameless local volume of type nfs", () => {
    expect(nodeService(swarm({ EC4DOCK_SHARED_HOME: 'nfs', EC4DOCK_NFS_ADDRESS: '10.0.0.5' }), 'hpcn2', 'netid123', ids)).toEqual(fixture('service-create-nfs_cli-26.1.5.json'));
  });

  it('passes the gate, which then asks whose its network and secrets are', () => {
    expect(checkServiceCreate(config, nodeService(config, 'hpcn2', 'hpc-net', ids))).toEqual({ kind: 'check-refs', network: 'hpc-net', secrets: ['secretid0', 'secretid1'] });
  });

  // The fields as the Engine API gives them (GET /tasks, GET /nodes).
  const task = (service: string, state: string, host = 'h1', desired = 'running'): ApiTask => ({ ServiceID: service, NodeID: host, DesiredState: desired, Status: { State: state } });
  const hostList: ApiHost[] = [{ ID: 'h1', Description: { Hostname: 'w1' }, Status: { State: 'ready' } }, { ID: 'h2', Description: { Hostname: 'w2' }, Status: { State: 'down' } }];
  const hosts = new Map(hostList.map((h) => [h.ID, h]));

  it("reads a task's state as a container's: on its way, running, or ended", () => {
    expect(taskState(task('s', 'preparing'), hosts)).toBe('created');
    expect(taskState(undefined, hosts)).toBe('created');
    expect(taskState(task('s', 'running'), hosts)).toBe('running');
    expect(taskState(task('s', 'failed'), hosts)).toBe('exited');
    expect(taskState(task('s', 'rejected'), hosts)).toBe('exited');
  });

  it('takes a node whose host left the Swarm for gone, though its last report says running', () => {
    expect(taskState(task('s', 'running', 'h2'), hosts)).toBe('exited');
  });

  it('takes a running node the frontend no longer hears for cut off, whatever Swarm still says', () => {
    expect(taskState({ ...task('s', 'running'), ID: 't1' }, hosts, new Set(['t1']))).toBe(CUT_OFF);
    expect(taskState({ ...task('s', 'running'), ID: 't2' }, hosts, new Set(['t1']))).toBe('running');
    expect(taskState({ ...task('s', 'starting'), ID: 't1' }, hosts, new Set(['t1']))).toBe('created');
  });

  it("finds a task's address on the cluster's network, without its prefix length", () => {
    const on = (...names: string[]): ApiTask => ({ ...task('s', 'running'), NetworksAttachments: names.map((name, i) => ({ Network: { Spec: { Name: name } }, Addresses: [`10.0.${i}.7/24`] })) });
    expect(taskAddress(on('ingress', 'hpc-net'), 'hpc-net')).toBe('10.0.1.7');
    expect(taskAddress(on('other'), 'hpc-net')).toBe('10.0.0.7'); // its only network
    expect(taskAddress(on('a', 'b'), 'hpc-net')).toBeUndefined();
    expect(taskAddress(task('s', 'running'), 'hpc-net')).toBeUndefined();
  });

  it("gives each service its node's state and host, from the task Swarm wants running", () => {
    const service = (name: string, id: string): ApiService => ({ ID: id, CreatedAt: '2026-12-01T00:00:00Z', Spec: { Name: name } });
    const tasks = [task('s1', 'running'), task('s2', 'shutdown', 'h1', 'shutdown'), task('s2', 'starting')];
    expect(swarmInstances([service('hpcn1', 's1'), service('hpcn2', 's2'), service('hpcn3', 's3')], tasks, hostList)).toEqual(new Map([
      ['hpcn1', { id: 's1', state: 'running', host: 'w1' }],
      ['hpcn2', { id: 's2', state: 'created', host: 'w1' }],
      ['hpcn3', { id: 's3', state: 'created' }],
    ]));
  });
});

describe('engine gate on a Swarm', () => {
  const body = () => JSON.parse(readFileSync('test/fixtures/docker/service-create_cli-26.1.5.json', 'utf8'));
  const gateConfig = swarm({ EC4DOCK_SWARM_CONSTRAINTS: 'node.role==worker', EC4DOCK_MAXNODES: '3' });
  const why = (v: ReturnType<typeof checkServiceCreate>) => (v.kind === 'deny' ? v.why : v.kind);

  it("passes the CLI's create of a node, once the engine says its network and secrets are the cluster's", () => {
    expect(checkServiceCreate(gateConfig, body())).toEqual({ kind: 'check-refs', network: 'netid123', secrets: ['secretid0', 'secretid1'] });
  });

  it.each<[string, (b: Record<string, any>) => void, string | RegExp]>([
    ['another name', (b) => { b.Name = 'frontend'; }, 'a service named "frontend" is not a node of cluster hpc'],
    ['no labels', (b) => { delete b.TaskTemplate.ContainerSpec.Labels; }, /on its container, the labels of cluster hpc/],
    ['another image', (b) => { b.TaskTemplate.ContainerSpec.Image = 'reg:5000/evil'; }, 'hpcn2 must run image reg:5000/ec4dslurm:wn, not reg:5000/evil'],
    ['the host root mounted', (b) => { b.TaskTemplate.ContainerSpec.Mounts.push({ Type: 'bind', Source: '/', Target: '/host' }); }, 'hpcn2 may mount only /srv/ec4docker-home as /home'],
    ['a volume with driver options', (b) => { b.TaskTemplate.ContainerSpec.Mounts = [{ Type: 'volume', Source: 'x', Target: '/home' }]; }, 'hpcn2 may mount only /srv/ec4docker-home as /home'],
    ['SYS_ADMIN', (b) => { b.TaskTemplate.ContainerSpec.CapabilityAdd.push('CAP_SYS_ADMIN'); }, 'capabilities SYS_ADMIN are not allowed for a node'],
    ['no cap-drop ALL', (b) => { b.TaskTemplate.ContainerSpec.CapabilityDrop = []; }, 'every capability must be dropped first (--cap-drop ALL)'],
    ['seccomp unconfined', (b) => { b.TaskTemplate.ContainerSpec.Privileges = { Seccomp: { Mode: 'unconfined' } }; }, 'Privileges is not allowed'],
    ['a published port', (b) => { b.EndpointSpec.Ports = [{ TargetPort: 22, PublishedPort: 2222 }]; }, 'published ports are not allowed'],
    ['global mode', (b) => { b.Mode = { Global: {} }; }, 'hpcn2 must be one replica'],
    ['ten replicas', (b) => { b.Mode = { Replicated: { Replicas: 10 } }; }, 'hpcn2 must be one replica'],
    ['a second network', (b) => { b.TaskTemplate.Networks.push({ Target: 'ingress' }); }, 'hpcn2 must be on network hpc-net only'],
  ])('refuses %s', (_what, change, message) => {
    const b = body();
    change(b);
    expect(why(checkServiceCreate(gateConfig, b))).toMatch(message);
  });

  it("passes the CLI's create of a node with an NFS /home from the cluster's server, and no other NFS or local volume", () => {
    const nfs = swarm({ EC4DOCK_SHARED_HOME: 'nfs', EC4DOCK_NFS_ADDRESS: '10.0.0.5' });
    const nfsBody = () => JSON.parse(readFileSync('test/fixtures/docker/service-create-nfs_cli-26.1.5.json', 'utf8'));
    expect(checkServiceCreate(nfs, nfsBody())).toMatchObject({ kind: 'check-refs' });
    const options = (change: (o: Record<string, string>) => void) => {
      const b = nfsBody();
      change(b.TaskTemplate.ContainerSpec.Mounts[0].VolumeOptions.DriverConfig.Options);
      return why(checkServiceCreate(nfs, b));
    };
    expect(options((o) => { o.o = 'addr=10.9.9.9,nfsvers=4.1,rw'; })).toBe('hpcn2 may mount only the NFS export of 10.0.0.5 as /home');
    expect(options((o) => { o.type = 'none'; o.o = 'bind'; o.device = '/'; })).toBe('hpcn2 may mount only the NFS export of 10.0.0.5 as /home');
    expect(why(checkServiceCreate(nfs, body()))).toBe('hpcn2 may mount only the NFS export of 10.0.0.5 as /home'); // a bind mount
  });

  it("lets the frontend read and remove only its own services and secrets, read the Swarm's tasks and hosts", () => {
    const req = (method: string, path: string) => judge(gateConfig, { method, path, query: new URLSearchParams() });
    expect(req('GET', '/services')).toMatchObject({ kind: 'pass-listing', filters: JSON.stringify({ label: { 'org.ec4docker.cluster=hpc': true } }) });
    // the engine refuses a mix of the list and the map forms ("invalid filter"): all in map form
    const listed = judge(gateConfig, { method: 'GET', path: '/secrets', query: new URLSearchParams({ filters: '{"name":["hpc-munge-key"],"label":["a=b"]}' }) });
    expect(listed).toEqual({ kind: 'pass-listing', filters: JSON.stringify({ name: { 'hpc-munge-key': true }, label: { 'a=b': true, 'org.ec4docker.cluster=hpc': true } }) });
    expect(req('DELETE', '/services/abc')).toEqual({ kind: 'check-service', id: 'abc' });
    expect(req('GET', '/tasks')).toEqual({ kind: 'pass' });
    expect(req('POST', '/services/abc/update')).toMatchObject({ kind: 'deny' });
    expect(req('DELETE', '/secrets/abc')).toMatchObject({ kind: 'deny' });
    expect(req('POST', '/swarm/leave')).toMatchObject({ kind: 'deny' });
    expect(judge(resolveClusterConfig('t', {}), { method: 'GET', path: '/services', query: new URLSearchParams() })).toMatchObject({ kind: 'deny' });
  });

  it("knows the cluster's node secrets by name and label", () => {
    expect(ownsSecret(gateConfig, { Name: 'hpc-munge-key', Labels: { 'org.ec4docker.cluster': 'hpc' } })).toBe(true);
    expect(ownsSecret(gateConfig, { Name: 'hpc-munge-key', Labels: { 'org.ec4docker.cluster': 'other' } })).toBe(false);
    expect(ownsSecret(gateConfig, { Name: 'other-munge-key', Labels: { 'org.ec4docker.cluster': 'hpc' } })).toBe(false);
  });
});
