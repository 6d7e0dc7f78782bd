// The engine API client: its filters, its answers, and a real request over a unix socket to an
// HTTP server standing in for the engine (the answers as Docker 20.10 gives them).
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, engineApi, engineRequest, filtersParam, useEngineSocket } from '../../lib/io/engine-api.ts';
import { type ContainerCreate, containerDetails, inspectContainer, listContainers, removeContainers, runContainer } from '../../lib/io/docker.ts';

describe('filtersParam', () => {
  it("turns the CLI's --filter pairs into the API's filters, the label's own = kept", () => {
    const param = filtersParam(['--filter', 'label=org.ec4docker.cluster=c1', '--filter', 'label=org.ec4docker.role=node', '--filter', 'name=n1']);
    expect(JSON.parse(decodeURIComponent(param))).toEqual({ label: { 'org.ec4docker.cluster=c1': true, 'org.ec4docker.role=node': true }, name: { n1: true } });
  });
  it('refuses anything but --filter', () => {
    expect(() => filtersParam(['-a'])).toThrow(/not --filter/);
  });
});

describe('answer', () => {
  it("takes an error's message from the engine's JSON, or its text", () => {
    expect(answer(404, '{"message":"No such container: n1"}').message).toBe('No such container: n1');
    expect(answer(500, 'page not found\n').message).toBe('page not found');
    expect(answer(200, '[]')).toEqual({ status: 200, body: [], message: '' });
    expect(answer(204, '')).toEqual({ status: 204, body: undefined, message: '' });
  });
});

describe('containerDetails', () => {
  it('reads id, made, started, state, labels and image; a container without labels has none', () => {
    const details = containerDetails({ Id: 'abc', Created: '2026-12-01T20:21:00.5Z', Image: 'sha256:f00', State: { Status: 'running', StartedAt: '2026-12-01T20:21:01Z' }, Config: { Labels: null } });
    expect(details).toEqual({ id: 'abc', created: Date.parse('2026-12-01T20:21:00.5Z'), startedAt: '2026-12-01T20:21:01Z', state: 'running', labels: {}, image: 'sha256:f00' });
  });
});

describe('requests over a unix socket', () => {
  const seen: string[] = [];
  let removing = 2; // "n2" is being removed by someone else for two requests
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.url?.startsWith('/containers/json?')) return reply(200, [{ Id: 'id1', Names: ['/n1'], State: 'running', Labels: { a: 'b' } }]);
    if (req.url === '/containers/n1/json') return reply(200, { Id: 'id1', Created: '2026-12-01T00:00:00Z', State: { Status: 'running' }, Config: { Labels: { a: 'b' } } });
    if (req.url === '/containers/other/json') return reply(403, { message: 'ec4docker gate: container other is not a node of cluster c1' });
    if (req.url === '/containers/broken/json') return reply(500, { message: 'engine trouble' });
    if (req.method === 'DELETE' && req.url === '/containers/n2?force=1&v=1' && removing-- > 0) return reply(409, { message: 'removal of container n2 is already in progress' });
    if (req.method === 'DELETE' && req.url === '/containers/gone?force=1&v=1') return reply(404, { message: 'No such container: gone' });
    if (req.method === 'DELETE') return reply(204);
    if (req.url === '/containers/create?name=bad') return reply(404, { message: 'No such image: nope:wn' });
    if (req.url === '/containers/create?name=n9') return reply(201, { Id: 'id9', Warnings: [] });
    if (req.url === '/containers/id9/start') return reply(204);
    return reply(404, { message: `No such container: ${req.url?.split('/')[2]}` });
  });
  const socket = join(mkdtempSync(join(tmpdir(), 'ec4d-api-')), 'engine.sock');
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    useEngineSocket(socket);
  });
  afterAll(() => {
    useEngineSocket(undefined);
    server.close();
  });

  it('lists containers with their names unslashed, and the filters sent', async () => {
    expect(engineApi()).toBe(true);
    expect(await listContainers(['--filter', 'label=x=y'])).toEqual([{ id: 'id1', name: 'n1', state: 'running', labels: { a: 'b' } }]);
    expect(seen.at(-1)).toBe(`GET /containers/json?all=1&filters=${encodeURIComponent('{"label":{"x=y":true}}')}`);
  });

  it("inspects one: none there, or the gate's refusal, is undefined; another failure is one line", async () => {
    expect((await inspectContainer('n1'))?.labels).toEqual({ a: 'b' });
    expect(await inspectContainer('missing')).toBeUndefined();
    expect(await inspectContainer('other')).toBeUndefined();
    await expect(inspectContainer('broken')).rejects.toThrow('inspect container broken: engine trouble');
  });

  it('removes at once, waits for a removal in progress, and counts a missing one as removed', async () => {
    await removeContainers(['n1', 'n2', 'gone']);
    expect(seen.filter((s) => s.startsWith('DELETE /containers/n2'))).toHaveLength(3);
  });

  it("creates and starts a container; a failure reads as docker run's, the engine's message in it", async () => {
    const spec = { Image: 'nope:wn' } as ContainerCreate;
    expect(await runContainer('n9', spec)).toEqual({ exitCode: 0, stdout: 'id9\n', stderr: '' });
    expect(seen.slice(-2)).toEqual(['POST /containers/create?name=n9', 'POST /containers/id9/start']);
    expect(await runContainer('bad', spec)).toEqual({ exitCode: 125, stdout: '', stderr: 'docker: Error response from daemon: No such image: nope:wn' });
  });

  it('says when the engine does not answer', async () => {
    useEngineSocket(join(tmpdir(), 'no-such-engine.sock'));
    const got = await engineRequest('GET', '/_ping');
    useEngineSocket(socket);
    expect(got.status).toBe(502);
    expect(got.message).toMatch(/^the engine did not answer: .*ENOENT/);
  });
});
