import { describe, expect, it } from 'vitest';
import { childNamed, childText, childrenNamed, descendantsNamed, parseXml } from '../../lib/core/xml.ts';

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
    expect(childNamed(parseXml('<a>&amp;&apos;</a>'), 'a')!.text).toBe("&'");
  });

  it('skips comments', () => {
    const root = parseXml('<a><!-- <b>no</b> --><b>1</b><c>2</c></a>');
    expect(descendantsNamed(root, 'b').map((b) => b.text)).toEqual(['1']);
    expect(descendantsNamed(root, 'c').map((c) => c.text)).toEqual(['2']);
  });

  it('refuses malformed XML, a stray close tag or an output cut short, in one line', () => {
    expect(() => parseXml('<a><b>1</b></x><c>2')).toThrow(/^XML: .*\(line 1\)$/);
    expect(() => parseXml('<a><b>1</b>')).toThrow(/^XML: /);
    expect(() => parseXml('<a><b')).toThrow(/^XML: /);
    expect(() => parseXml('<a><!-- b')).toThrow(/^XML: /);
    expect(() => parseXml('<a><![CDATA[b')).toThrow(/^XML: /);
  });
});
