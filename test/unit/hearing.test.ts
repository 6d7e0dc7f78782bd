// Whether a Swarm node still answers the frontend: the probes' bookkeeping (lib/backend/hearing.ts)
// and the probe itself, against real sockets (lib/io/probe.ts). Silence needs a host that is gone:
// test/bats/70-swarm.bats stops one and looks for it.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterProbe, type Hearing, hostsToAvoid, isLost } from '../../lib/backend/hearing.ts';
import { tcpProbe } from '../../lib/io/probe.ts';

describe('hearing a node', () => {
  const after = (outcomes: Array<['answered' | 'silent' | 'unsure', number]>): Hearing | undefined =>
    outcomes.reduce<Hearing | undefined>((h, [outcome, at]) => afterProbe(h, outcome, at), undefined);

  it('counts a node lost after two missed probes, the first sent at least the limit ago', () => {
    const h = after([['answered', 0], ['silent', 1000], ['silent', 3100]]);
    expect(h).toEqual({ misses: 2, silentSince: 1000 });
    expect(isLost(h, 5999, 5000)).toBe(false);
    expect(isLost(h, 6000, 5000)).toBe(true);
  });

  it('never for one missed probe, however long ago (the monitor may have been away)', () => {
    expect(isLost(after([['silent', 0]]), 60_000, 5000)).toBe(false);
  });

  it('starts again at an answer; a probe that could not tell changes nothing', () => {
    expect(after([['silent', 0], ['answered', 1000], ['silent', 2000]])).toEqual({ misses: 1, silentSince: 2000 });
    expect(after([['silent', 0], ['unsure', 1000], ['silent', 2000]])).toEqual({ misses: 2, silentSince: 0 });
  });

  it('never with a limit of 0, or for a node not heard of', () => {
    expect(isLost(after([['silent', 0], ['silent', 1]]), 60_000, 0)).toBe(false);
    expect(isLost(undefined, 60_000, 5000)).toBe(false);
  });
});

describe('tcpProbe', () => {
  let server: net.Server;
  let open = 0;
  let closed = 0;
  beforeAll(async () => {
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open = (server.address() as net.AddressInfo).port;
    // a port that was free a moment ago: nothing listens there now
    const spare = net.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    closed = (spare.address() as net.AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('hears an accept and a refusal alike', async () => {
    expect(await tcpProbe('127.0.0.1', open, 2000)).toBe('answered');
    expect(await tcpProbe('127.0.0.1', closed, 2000)).toBe('answered');
  });
});

describe('hosts a new node avoids', () => {
  const ready = new Set(['w1', 'w2']);
  const lostOn = (host: string) => ({ host, lost: true, heard: false });

  it('avoids the host of a lost node while Swarm still counts it ready', () => {
    const avoid = hostsToAvoid(new Map(), [lostOn('w1'), { host: 'w2', lost: false, heard: true }], ready, 1000, 60_000);
    expect(avoid).toEqual(new Map([['w1', 1000]]));
    expect(hostsToAvoid(avoid, [], ready, 30_000, 60_000)).toEqual(new Map([['w1', 1000]])); // its node removed since
  });

  it('no longer once Swarm marks it down, a node there is heard, or the limit passes', () => {
    const avoid = new Map([['w1', 1000]]);
    expect(hostsToAvoid(avoid, [], new Set(['w2']), 2000, 60_000)).toEqual(new Map());
    expect(hostsToAvoid(avoid, [{ host: 'w1', lost: false, heard: true }], ready, 2000, 60_000)).toEqual(new Map());
    expect(hostsToAvoid(avoid, [{ host: 'w1', lost: false, heard: false }], ready, 2000, 60_000)).toEqual(avoid); // not probed yet
    expect(hostsToAvoid(avoid, [], ready, 61_001, 60_000)).toEqual(new Map());
  });
});
