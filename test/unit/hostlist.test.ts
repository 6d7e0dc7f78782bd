import { describe, expect, it } from 'vitest';
import { compressHostlist, expandHostlist, naturalCompare } from '../../lib/core/hostlist.ts';

describe('expandHostlist', () => {
  it('expands ranges, single numbers and plain names in order', () => {
    expect(expandHostlist('f1-node[1-3,7],fe,n[01-03]')).toEqual([
      'f1-node1', 'f1-node2', 'f1-node3', 'f1-node7', 'fe', 'n01', 'n02', 'n03',
    ]);
  });

  it('keeps the zero padding of the range start', () => {
    expect(expandHostlist('n[08-11]')).toEqual(['n08', 'n09', 'n10', 'n11']);
    expect(expandHostlist('n[8-11]')).toEqual(['n8', 'n9', 'n10', 'n11']);
  });

  it('returns a single name unchanged', () => {
    expect(expandHostlist('f1-node5')).toEqual(['f1-node5']);
  });

  it('returns nothing for an empty list and ignores empty terms', () => {
    expect(expandHostlist('')).toEqual([]);
    expect(expandHostlist('a,,b,')).toEqual(['a', 'b']);
  });

  it('keeps text after the brackets', () => {
    expect(expandHostlist('rack[1-2]-ib')).toEqual(['rack1-ib', 'rack2-ib']);
  });

  it('expands several bracket groups in one term as a product', () => {
    expect(expandHostlist('a[1-2]b[3-4]')).toEqual(['a1b3', 'a1b4', 'a2b3', 'a2b4']);
  });

  it('does not split at commas inside brackets', () => {
    expect(expandHostlist('x[1,3],y')).toEqual(['x1', 'x3', 'y']);
  });

  it('rejects an unclosed bracket', () => {
    expect(() => expandHostlist('n[1-3')).toThrow(/'\[' without '\]'/);
  });

  it('rejects a closing bracket without an opening one', () => {
    expect(() => expandHostlist('n1-3]')).toThrow(/'\]' without '\['/);
  });

  it('rejects nested brackets', () => {
    expect(() => expandHostlist('n[1[2]]')).toThrow(/nested/);
  });

  it('rejects a descending range', () => {
    expect(() => expandHostlist('n[5-3]')).toThrow(/descending range '5-3'/);
  });

  it('rejects a range of more than 100000 names', () => {
    expect(() => expandHostlist('n[1-100001]')).toThrow(/more than 100000/);
    expect(expandHostlist('n[1-100000]')).toHaveLength(100000);
  });

  it('rejects a range that is not numeric', () => {
    expect(() => expandHostlist('n[a-c]')).toThrow(/bad range 'a-c'/);
    expect(() => expandHostlist('n[]')).toThrow(/bad range/);
  });
});

describe('compressHostlist', () => {
  it('compresses consecutive numbers into ranges', () => {
    expect(compressHostlist(['f1-node1', 'f1-node2', 'f1-node3', 'f1-node7'])).toBe('f1-node[1-3,7]');
  });

  it('writes a single name without brackets', () => {
    expect(compressHostlist(['f1-node5'])).toBe('f1-node5');
  });

  it('sorts numerically, so node10 comes after node9', () => {
    expect(compressHostlist(['node10', 'node9', 'node1', 'node2'])).toBe('node[1-2,9-10]');
  });

  it('groups by prefix and keeps names without numbers', () => {
    expect(compressHostlist(['b2', 'fe', 'a1', 'b1', 'a2'])).toBe('a[1-2],b[1-2],fe');
  });

  it('keeps zero-padded numbers apart from unpadded ones', () => {
    expect(compressHostlist(['n01', 'n02', 'n1', 'n10'])).toBe('n[01-02,10],n1');
  });

  it('drops duplicates and returns an empty list for no names', () => {
    expect(compressHostlist(['n1', 'n1', 'n2'])).toBe('n[1-2]');
    expect(compressHostlist([])).toBe('');
  });

  it('rejects names that cannot be written in a hostlist', () => {
    expect(() => compressHostlist(['a,b'])).toThrow(/cannot put host name/);
    expect(() => compressHostlist([''])).toThrow(/cannot put host name/);
  });

  it('gives back the same names when expanded again', () => {
    const names = ['c1', 'c2', 'c3', 'c5', 'n08', 'n09', 'n10', 'fe', 'x100'];
    expect(expandHostlist(compressHostlist(names)).sort()).toEqual([...names].sort());
  });
});

describe('naturalCompare', () => {
  it('orders node9 before node10 and by prefix first', () => {
    expect(['node10', 'node9', 'a2', 'node1'].sort(naturalCompare)).toEqual(['a2', 'node1', 'node9', 'node10']);
  });
});
