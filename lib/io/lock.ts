// Locks between the processes of one frontend. An abstract unix socket is the lock: the kernel
// frees it when the holder dies, so a crashed holder never blocks the next one, and two
// processes can never both hold it.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { UserError } from '../core/errors.ts';
import { sleep } from './run.ts';

export interface Lock {
  release(): void;
}

/** Takes the lock `name` if it is free; undefined if another process holds it. */
export function tryLock(name: string): Promise<Lock | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.on('error', () => resolve(undefined));
    server.on('connection', (socket) => socket.destroy()); // lockHeld() asking
    server.listen(`\0${name}`, () => {
      server.unref(); // held until released or the process ends, without keeping it alive
      resolve({ release: () => server.close() });
    });
  });
}

/** Waits for the lock `name` until `deadline` (epoch ms), trying every `everyMs`; undefined if it did not come free. */
export async function waitLock(name: string, deadline: number, everyMs = 100): Promise<Lock | undefined> {
  for (;;) {
    const lock = await tryLock(name);
    if (lock || Date.now() >= deadline) return lock;
    await sleep(everyMs);
  }
}

/** Whether a process holds the lock `name`: connects to it, so that asking never takes it. */
export function lockHeld(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(`\0${name}`);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * The name of a lock only root can take or ask about: an abstract socket can be bound by any
 * process, so the name carries a token from a file only root reads, made on first use.
 */
export function rootOnlyLockName(name: string, tokenFile = process.env.EC4D_LOCK_TOKEN ?? '/etc/ec4docker/lock-token'): string {
  try {
    writeFileSync(tokenFile, randomBytes(16).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot make ${tokenFile}: ${(error as Error).message}`);
  }
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (error) {
    throw new UserError(`${name} needs root: cannot read ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return `${name}-${token}`;
}
