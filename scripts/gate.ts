// gate: the engine gate of one cluster (lib/gate/), run in the cluster's gate container by
// setup-cluster. Its config comes from the container's EC4DOCK_* environment.
import { UsageError } from '../lib/core/errors.ts';
import { GATE_SOCKET, serveGate } from '../lib/gate/server.ts';
import { parseFlags } from '../lib/io/cli.ts';
import { resolveClusterConfig } from '../lib/middleware/registry.ts';

export async function gate(argv: string[]): Promise<void> {
  const args = parseFlags(argv, { string: ['listen', 'engine'], boolean: ['h'], alias: { h: 'help' } });
  if (args.h) return console.log('usage: gate [--listen SOCKET] [--engine SOCKET]   (run by setup-cluster in the gate container)');
  if (args._.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(String(args._[0]))}`);
  const values = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('EC4DOCK_')));
  const config = resolveClusterConfig('the gate environment', values);
  serveGate(config, {
    listen: String(args.listen ?? GATE_SOCKET),
    engine: String(args.engine ?? '/var/run/docker.sock'),
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  await new Promise(() => undefined); // serves until the container stops
}
