import { describe, expect, it } from 'vitest';
import { nodeAddress, planNodeAddresses } from '../../lib/core/addresses.ts';

describe('planNodeAddresses', () => {
  it('gives the engine the lower half and the nodes the upper half', () => {
    // 172.18.0.0/16 is what Docker 20.10 picks for a second user network.
    expect(planNodeAddresses('172.18.0.0/16', 4)).toEqual({ subnet: '172.18.0.0/16', ipRange: '172.18.0.0/17', nodeRange: '172.18.128.0/17' });
    expect(planNodeAddresses('192.168.16.0/20', 512).nodeRange).toBe('192.168.24.0/21');
  });
  it('normalises a subnet written with host bits', () => {
    expect(planNodeAddresses('10.1.2.3/24', 2)).toEqual({ subnet: '10.1.2.0/24', ipRange: '10.1.2.0/25', nodeRange: '10.1.2.128/25' });
  });
  it('refuses a subnet too small for the nodes, and what is not an IPv4 subnet', () => {
    expect(() => planNodeAddresses('10.1.2.0/24', 127)).toThrow('subnet 10.1.2.0/24 is too small for 127 nodes (at most 126)');
    expect(planNodeAddresses('10.1.2.0/24', 126).nodeRange).toBe('10.1.2.128/25');
    expect(() => planNodeAddresses('fd00::/64', 2)).toThrow('not an IPv4 subnet');
    expect(() => planNodeAddresses('10.1.2.300/24', 2)).toThrow('not an IPv4 subnet');
  });
});

describe('nodeAddress', () => {
  it('maps node N to address N of the node range, across octets', () => {
    expect(nodeAddress('172.18.128.0/17', 1)).toBe('172.18.128.1');
    expect(nodeAddress('172.18.128.0/17', 300)).toBe('172.18.129.44');
  });
  it('never gives the range base or its broadcast address', () => {
    expect(nodeAddress('10.1.2.128/25', 126)).toBe('10.1.2.254');
    expect(() => nodeAddress('10.1.2.128/25', 127)).toThrow('outside');
    expect(() => nodeAddress('10.1.2.128/25', 0)).toThrow('outside');
  });
});
