import { describe, expect, it } from 'vitest';
import { childNamed, childText, childrenNamed, decodeEntities, descendantsNamed, parseXml } from '../../lib/xml.ts';

describe('parseXml', () => {
  it('reads elements, attributes in either quote style, text and self-closing tags', () => {
    const root = parseXml(`<?xml version='1.0'?>\r\n<a x="1" y='two'><b>hi</b><c/><b>there</b></a>`);
    const a = childNamed(root, 'a')!;
    expect(a.attrs).toEqual({ x: '1', y: 'two' });
    expect(childrenNamed(a, 'b').map((b) => b.text)).toEqual(['hi', 'there']);
    expect(childNamed(a, 'c')).toMatchObject({ name: 'c', children: [], text: '' });
    expect(childText(a, 'missing')).toBeUndefined();
  });

  it('decodes entities in text and attributes, and keeps CDATA verbatim', () => {
    const a = childNamed(parseXml(`<a t="&lt;x&gt;">queue &quot;q@h&quot; &#65;&#x42; &bogus;<![CDATA[<raw>&amp;]]></a>`), 'a')!;
    expect(a.attrs.t).toBe('<x>');
    expect(a.text).toBe('queue "q@h" AB &bogus;<raw>&amp;');
    expect(decodeEntities('&amp;&apos;')).toBe("&'");
  });

  it('tolerates stray close tags and unclosed elements, and skips comments', () => {
    const root = parseXml('<a><!-- <b>no</b> --><b>1</b></x><c>2');
    expect(descendantsNamed(root, 'b').map((b) => b.text)).toEqual(['1']);
    expect(childText(childNamed(root, 'a')!, 'c')).toBe('2');
  });

  it('throws on a tag that never ends', () => {
    expect(() => parseXml('<a><b')).toThrow(/unterminated/);
  });
});
