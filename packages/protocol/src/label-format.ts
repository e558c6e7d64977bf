/** Canonical label strings: the inverse of the parser, as Loki prints label sets. */

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go strconv.Quote for the characters that matter: `\`, `"`, and non-printable characters. */
export function quoteGo(s: string): string {
  // Fast path: printable ASCII without quote or backslash is the common case.
  let plain = true;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff)
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Canonical label string, as Loki stores and returns it: names sorted, `{a="1", b="2"}`, values quoted
 * like Go's strconv.Quote; names that are not `[a-zA-Z_][a-zA-Z0-9_]*` are quoted (Prometheus 3 syntax).
 * `parseLabels(formatLabels(x))` gives back `x` (minus empty values).
 */
export function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  let sorted = true;
  for (let k = 1; k < names.length; k++) {
    if (names[k - 1]! > names[k]!) {
      sorted = false;
      break;
    }
  }
  if (!sorted) names.sort();
  let out = '{';
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (k > 0) out += ', ';
    out += IDENT.test(name) ? name : quoteGo(name);
    out += '=';
    out += quoteGo(labels[name]!);
  }
  return `${out}}`;
}
