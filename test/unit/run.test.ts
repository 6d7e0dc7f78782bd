import { describe, expect, it } from 'vitest';
import { limiter, sleep } from '../../lib/io/run.ts';

describe('limiter', () => {
  it('runs at most n tasks at once, every task, in the order given', async () => {
    const limit = limiter(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => limit(async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await sleep(5 + (i % 3) * 3);
      running--;
      return i * 2;
    })));
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const limit = limiter(1);
    await expect(limit(async () => { throw new Error('engine said no'); })).rejects.toThrow('engine said no');
    await expect(limit(async () => 'next one ran')).resolves.toBe('next one ran');
  });
});
