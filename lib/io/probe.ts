// Asks whether an address answers on the network: a TCP connection attempt. An accept and a
// refusal are both answers (a host's kernel refuses a closed port at once); only silence until
// the timeout, or an unreachable host, is silence.
import net from 'node:net';
import type { ProbeOutcome } from '../backend/hearing.ts';

// A timeout seen this late was the process's own delay (a busy event loop), not the network's.
const LATE_MS = 500;

/** One attempt to connect to `address:port`, given up after `timeoutMs`. */
export function tcpProbe(address: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const due = Date.now() + timeoutMs;
    const socket = net.connect({ host: address, port });
    const done = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done(Date.now() - due > LATE_MS ? 'unsure' : 'silent'), timeoutMs);
    // A probe never keeps a command's process alive: what it would say is no longer asked.
    timer.unref();
    socket.unref();
    socket.once('connect', () => done('answered'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') done('answered');
      else if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH' || error.code === 'ETIMEDOUT') done('silent');
      else done('unsure');
    });
  });
}
