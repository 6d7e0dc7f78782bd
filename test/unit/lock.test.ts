// Locks between a frontend's processes: abstract sockets, and names only root can know.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockHeld, rootOnlyLockName, tryLock } from '../../lib/io/lock.ts';

describe('locks', () => {
  it('are held by one process at a time, and asking does not take them', async () => {
    const name = `ec4d-test-${process.pid}-${Date.now()}`;
    const lock = await tryLock(name);
    expect(lock).toBeDefined();
    expect(await tryLock(name)).toBeUndefined();
    expect(await lockHeld(name)).toBe(true);
    lock!.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(await lockHeld(name)).toBe(false);
  });

  it('a root-only lock is named with a token from a file of mode 0600: squatting the plain name takes nothing', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'lock-')), 'lock-token');
    const plain = `ec4d-monitor-${process.pid}-${Date.now()}`;
    const named = rootOnlyLockName(plain, tokenFile);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(rootOnlyLockName(plain, tokenFile)).toBe(named); // the same name on every call
    expect(named).toMatch(new RegExp(`^${plain}-[0-9a-f]{32}$`));
    const squatter = await tryLock(plain);
    const lock = await tryLock(named);
    expect(lock).toBeDefined();
    squatter?.release();
    lock?.release();
  });
});
