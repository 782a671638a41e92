// Strict little parsers the reporter tests (and the e2e test) check output with.
/** A strict parser of the Prometheus text exposition format (0.0.4): throws on anything it does not know. */
export function parseExposition(text: string): { types: Map<string, string>; samples: { name: string; labels: Record<string, string>; value: number }[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  if (!text.endsWith('\n')) throw new Error('exposition text must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      if (helps.has(m[1]!)) throw new Error(`second HELP for ${m[1]}`);
      helps.add(m[1]!);
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      if (types.has(m[1]!)) throw new Error(`second TYPE for ${m[1]}`);
      if (samples.some((s) => s.name === m![1])) throw new Error(`TYPE after samples of ${m[1]}`);
      types.set(m[1]!, m[2]!);
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line))) {
      const labels: Record<string, string> = {};
      let rest = m[3] ?? '';
      while (rest.length > 0) {
        const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
        if (!l) throw new Error(`bad labels in ${line}`);
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        rest = rest.slice(l[0].length);
      }
      const value = m[4] === 'NaN' ? NaN : Number(m[4]);
      if (m[4] !== 'NaN' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(m[4]!)) throw new Error(`bad value in ${line}`);
      if (!types.has(m[1]!)) throw new Error(`sample before TYPE: ${line}`);
      samples.push({ name: m[1]!, labels, value });
    } else {
      throw new Error(`not exposition format: ${JSON.stringify(line)}`);
    }
  }
  return { types, samples };
}

/** XML well-formedness: one root, balanced tags, quoted attributes, only the five entities. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function checkXml(text: string): XmlElement[] {
  const body = text.replace(/^<\?xml version="1.0" encoding="UTF-8"\?>\n/, '');
  const stack: XmlElement[] = [{ name: '#doc', attrs: {}, children: [], text: '' }];
  const unescape = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(s)) throw new Error(`bad entity in ${s}`);
    return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
  };
  const re = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length && (m = re.exec(body))) {
    pos = re.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      if (m[5].includes('>') ) throw new Error('raw > in text');
      top.text += unescape(m[5]);
      continue;
    }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3]!.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]!] = unescape(a[2]!);
    const el: XmlElement = { name: m[2]!, attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (pos !== body.length) throw new Error(`unparsed XML at ${pos}: ${body.slice(pos, pos + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  const roots = stack[0]!.children;
  if (roots.length !== 1) throw new Error(`${roots.length} root elements`);
  return roots;
}

