// Fixed addresses for working nodes. Docker hands a freed address to the next container at once,
// and Grid Engine's qmaster keeps an address→name cache for minutes, refusing a node started on
// another node's old address (research, pbs-family §2.7). So the cluster's network is split in two:
// the engine assigns the lower half (the frontend), node N always gets address N of the upper half.
import { UsageError } from './errors.ts';

export interface NodeAddressPlan {
  subnet: string; // the network's subnet, e.g. 172.18.0.0/16
  ipRange: string; // what the engine may assign by itself: the lower half
  nodeRange: string; // the upper half, one fixed address per node
}

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

function parseCidr(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) throw new UsageError(`not an IPv4 subnet: ${JSON.stringify(cidr)}`);
  const prefix = Number(m[5]);
  const size = 2 ** (32 - prefix);
  return { base: toInt(m.slice(1, 5).join('.')) - (toInt(m.slice(1, 5).join('.')) % size), prefix };
}

/** Splits a subnet for `maxNodes` nodes; fails if its upper half cannot hold them. */
export function planNodeAddresses(subnet: string, maxNodes: number): NodeAddressPlan {
  const { base, prefix } = parseCidr(subnet);
  const half = 2 ** (32 - prefix - 1);
  // Node N is upper-half address N; the half's last address is the subnet's broadcast.
  if (maxNodes > half - 2) throw new UsageError(`subnet ${subnet} is too small for ${maxNodes} nodes (at most ${Math.max(0, half - 2)})`);
  return { subnet: `${toIp(base)}/${prefix}`, ipRange: `${toIp(base)}/${prefix + 1}`, nodeRange: `${toIp(base + half)}/${prefix + 1}` };
}

/** The fixed address of node number `index` (1-based) in a node range made by planNodeAddresses. */
export function nodeAddress(nodeRange: string, index: number): string {
  const { base, prefix } = parseCidr(nodeRange);
  const size = 2 ** (32 - prefix);
  if (!Number.isInteger(index) || index < 1 || index > size - 2) throw new UsageError(`node number ${index} is outside ${nodeRange}`);
  return toIp(base + index);
}
