// A tiny tolerant XML reader for the regular outputs of batch systems (qhost/qstat -xml, pbsnodes -x,
// qstat -x). No DTDs, no namespaces, no validation: enough for machine-written XML, nothing more. Pure.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  // The element's own character data, entities decoded, not trimmed (children's text excluded).
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric character references; unknown ones stay as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (all, e: string) => {
    if (e[0] !== '#') return ENTITIES[e] ?? all;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/**
 * Parses XML into a synthetic root element named '' whose children are the top-level elements.
 * Tolerant on purpose: a stray close tag is ignored, unclosed elements are closed at the end, and
 * text outside any element (e.g. the CRLF after a prolog) is dropped. Throws only on an unterminated tag.
 */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      if (top !== root) top.text += decodeEntities(xml.slice(i));
      break;
    }
    if (lt > i && top !== root) top.text += decodeEntities(xml.slice(i, lt));
    if (xml.startsWith('<!--', lt)) {
      i = end(xml, '-->', lt);
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const close = end(xml, ']]>', lt);
      if (top !== root) top.text += xml.slice(lt + 9, close - 3);
      i = close;
    } else if (xml.startsWith('<?', lt) || xml.startsWith('<!', lt)) {
      i = end(xml, '>', lt);
    } else if (xml[lt + 1] === '/') {
      const close = end(xml, '>', lt);
      const name = xml.slice(lt + 2, close - 1).trim();
      // Pop to the matching open element; a close tag with no match is ignored.
      const at = stack.map((e) => e.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      i = close;
    } else {
      const close = tagEnd(xml, lt);
      let body = xml.slice(lt + 1, close - 1);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const m = /^([^\s/>]+)([\s\S]*)$/.exec(body.trim());
      if (m) {
        const el: XmlElement = { name: m[1], attrs: attributes(m[2]), children: [], text: '' };
        top.children.push(el);
        if (!selfClosing) stack.push(el);
      }
      i = close;
    }
  }
  return root;
}

/** The index just past `token`, searching from `from`; throws if the document ends first. */
function end(xml: string, token: string, from: number): number {
  const at = xml.indexOf(token, from);
  if (at < 0) throw new Error(`XML: unterminated '${xml.slice(from, from + 20)}'`);
  return at + token.length;
}

/** The index just past the '>' of a start tag, skipping '>' inside quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let quote = '';
  for (let i = from + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i + 1;
    }
  }
  throw new Error(`XML: unterminated '${xml.slice(from, from + 20)}'`);
}

function attributes(s: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of s.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[m[1]] = decodeEntities(m[2] ?? m[3]);
  return attrs;
}

/** The direct children named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first direct child named `name`, if any. */
export function childNamed(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** The trimmed text of the first direct child named `name`; undefined when there is no such child. */
export function childText(el: XmlElement, name: string): string | undefined {
  const c = childNamed(el, name);
  return c ? c.text.trim() : undefined;
}

/** All descendants named `name`, depth first, in document order (the element itself excluded). */
export function descendantsNamed(el: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.name === name) found.push(c);
      walk(c);
    }
  };
  walk(el);
  return found;
}
