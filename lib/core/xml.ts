// Batch-system XML (qhost/qstat -xml, pbsnodes -x, qstat -x) read by fast-xml-parser, adapted to
// the small element tree the parsers walk. Pure.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from './errors.ts';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  // The element's own character data (CDATA included), entities decoded, not trimmed (children's text excluded).
  text: string;
}

const TEXT = '#text';
const ATTRS = ':@';

// What preserveOrder yields: a text node { '#text': s }, or an element { [name]: its nodes, ':@'?: its attributes }.
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true, // document order across differently named siblings, and no single-child-vs-array guessing
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false, // '007', '1.0' and '0.500000' stay strings
  parseAttributeValue: false,
  trimValues: false, // callers trim (childText); text keeps its spaces as written
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Also decodes numeric character references (&#65; &#x42;), which plain XML mode leaves as written.
  htmlEntities: true,
});

/**
 * Parses XML into a synthetic root element named '' whose children are the top-level elements.
 * Text outside any element (e.g. the CRLF after a prolog) and comments are dropped. Malformed XML
 * (a command's output cut short, say) is refused with 'XML: …': a partial tree would be read as
 * fewer nodes or jobs than there are.
 */
export function parseXml(xml: string): XmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new UserError(`XML: ${valid.err.msg} (line ${valid.err.line})`);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (e) {
    throw new UserError(`XML: ${(e as Error).message}`);
  }
  const root = element('', nodes, {});
  root.text = '';
  return root;
}

function element(name: string, nodes: OrderedNode[], attrs: Record<string, string>): XmlElement {
  const el: XmlElement = { name, attrs, children: [], text: '' };
  for (const node of nodes) {
    if (TEXT in node) {
      el.text += node[TEXT] as string;
      continue;
    }
    for (const key in node) {
      if (key !== ATTRS) el.children.push(element(key, node[key] as OrderedNode[], (node[ATTRS] ?? {}) as Record<string, string>));
    }
  }
  return el;
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
