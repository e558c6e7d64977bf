/**
 * Translation of an RE2 pattern (already validated by re2js) into a V8 RegExp source with the same
 * meaning, so that message patterns run on V8's compiled engine (4-8x re2js's speed) while keeping RE2's
 * syntax and semantics. What the translation cannot render exactly makes it give up
 * ({@link translateRe2} returns undefined) and the caller keeps re2js.
 *
 * The source is for a RegExp without flags (no `u`, no `i`: V8's linear-time engine, which bounds the
 * backtracking one, handles neither in Node 20), so:
 * - case-insensitivity is spelt out as classes (`(?i)k` is `[Kk\u212A]`, RE2's simple case folding);
 *   only ASCII is folded, a non-ASCII letter under `(?i)` gives up;
 * - classes are explicit code-unit ranges (`\s` is RE2's `[\t\n\f\r ]`, `.` is everything but `\n`),
 *   limited to the BMP outside the surrogates. A pattern whose classes reach beyond that (astral
 *   characters, `.`, negated classes) is `surrogateSensitive`: on a subject without surrogate code units
 *   the translation is exact, and the caller hands subjects with surrogates to re2js;
 * - `^`/`$` are RE2's text anchors (JavaScript's without `m`); multi-line anchors, `\pN` Unicode classes,
 *   octal escapes and non-ASCII case folding give up.
 */

/** A translated pattern. */
export interface V8Translation {
  /** RegExp source (no flags). */
  source: string;
  /**
   * True when the translation is exact only on subjects without UTF-16 surrogates (astral characters):
   * test those with re2js.
   */
  surrogateSensitive: boolean;
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  U: boolean;
}

/** Sorted, disjoint, non-adjacent inclusive code point ranges `[lo0, hi0, lo1, hi1, ...]`. */
type Ranges = number[];

type Node =
  | { k: 'class'; r: Ranges }
  | { k: 'lit'; cp: number }
  | { k: 'assert'; src: '^' | '$' | '\\b' | '\\B' }
  | { k: 'cat'; subs: Node[] }
  | { k: 'alt'; subs: Node[] }
  | { k: 'rep'; sub: Node; min: number; max: number; lazy: boolean };

/** Thrown inside the parser for constructs rendered by re2js only. */
class Untranslatable extends Error {}

const MAX_CP = 0x10ffff;

function normalize(r: Ranges): Ranges {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i]!, r[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function negate(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i]! > next) out.push(next, r[i]! - 1);
    next = r[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

/**
 * RE2's case folding of a class whose members are all ASCII: each letter with its other case, plus the
 * two non-ASCII members of ASCII orbits (U+212A KELVIN SIGN with k, U+017F LONG S with s).
 */
function foldAscii(r: Ranges): Ranges {
  const out = [...r];
  for (let i = 0; i < r.length; i += 2) {
    if (r[i + 1]! > 0x7f) throw new Untranslatable('non-ASCII case folding');
    for (let c = r[i]!; c <= r[i + 1]!; c++) {
      if (c >= 0x41 && c <= 0x5a) out.push(c + 32, c + 32);
      else if (c >= 0x61 && c <= 0x7a) out.push(c - 32, c - 32);
      if (c === 0x4b || c === 0x6b) out.push(0x212a, 0x212a);
      if (c === 0x53 || c === 0x73) out.push(0x17f, 0x17f);
    }
  }
  return normalize(out);
}

const R = {
  digit: [0x30, 0x39],
  space: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

/** POSIX classes (`[[:alpha:]]`), ASCII as in RE2. */
const POSIX: Record<string, Ranges> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: R.digit,
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: R.word,
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

const PERL: Record<string, Ranges> = { d: R.digit, s: R.space, w: R.word };

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };

class Parser {
  readonly #s: string;
  #pos = 0;
  /** Characters of a `\Q...\E` just read, to be added to the concatenation. */
  #quoted: string[] | undefined;
  hasWordBoundary = false;

  constructor(source: string) {
    this.#s = source;
  }

  parse(flags: Flags): Node {
    const n = this.#alternation({ ...flags });
    if (this.#pos !== this.#s.length) throw new Untranslatable('unbalanced )');
    return n;
  }

  #peek(): string | undefined {
    return this.#s[this.#pos];
  }

  /** The next code point (a surrogate pair is one), consumed. */
  #next(): number {
    const cp = this.#s.codePointAt(this.#pos);
    if (cp === undefined) throw new Untranslatable('unexpected end');
    this.#pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** `flags` is the enclosing group's: `(?i)` changes it for the rest of that group, alternatives included. */
  #alternation(flags: Flags): Node {
    const alts: Node[] = [this.#concat(flags)];
    while (this.#peek() === '|') {
      this.#pos++;
      alts.push(this.#concat(flags));
    }
    return alts.length === 1 ? alts[0]! : { k: 'alt', subs: alts };
  }

  #concat(flags: Flags): Node {
    const items: Node[] = [];
    let repeated = false;
    for (;;) {
      if (this.#quoted !== undefined) {
        // `\Q...\E` (already skipped): its characters one by one, so that a quantifier takes the last.
        for (const ch of this.#quoted) items.push(this.#literal(ch.codePointAt(0)!, flags));
        repeated = this.#quoted.length === 0; // `\Q\E*`: re2js's to interpret
        this.#quoted = undefined;
      }
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') break;
      const rep = this.#repeatOp();
      if (rep !== undefined) {
        const last = items.pop();
        // A quantifier on nothing, or on a quantifier (`a**`): re2js has rejected or means something else.
        if (last === undefined || repeated) throw new Untranslatable('repetition');
        const lazy = this.#peek() === '?';
        if (lazy) this.#pos++;
        items.push({ k: 'rep', sub: last, min: rep[0], max: rep[1], lazy: lazy !== flags.U });
        repeated = true;
        continue;
      }
      const atom = this.#atom(flags);
      // After a flag setting (`a(?i)*`) a quantifier is re2js's to interpret.
      if (atom !== undefined) items.push(atom);
      repeated = atom === undefined;
    }
    return items.length === 1 ? items[0]! : { k: 'cat', subs: items };
  }

  /** A quantifier at the position (consumed), as [min, max] with max -1 for unbounded; else undefined. */
  #repeatOp(): [number, number] | undefined {
    const c = this.#peek();
    if (c === '*' || c === '+' || c === '?') {
      this.#pos++;
      return c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
    }
    if (c !== '{') return undefined;
    // RE2: {n}, {n,}, {n,m}; anything else is a literal `{`.
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.#s.slice(this.#pos, this.#pos + 16));
    if (m === null) return undefined;
    if (/^0\d/.test(m[1]!) || /^0\d/.test(m[3] ?? '')) throw new Untranslatable('leading zero in a repeat');
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > 1000 || max > 1000 || (max >= 0 && max < min)) throw new Untranslatable('repeat count');
    this.#pos += m[0].length;
    return [min, max];
  }

  /** One atom; undefined for a flag setting like `(?i)` (which changes `flags`). */
  #atom(flags: Flags): Node | undefined {
    const c = this.#peek()!;
    switch (c) {
      case '(':
        return this.#group(flags);
      case '[':
        this.#pos++;
        return this.#class(flags);
      case '.':
        this.#pos++;
        return { k: 'class', r: flags.s ? [0, MAX_CP] : [0, 9, 11, MAX_CP] };
      case '^':
      case '$':
        if (flags.m) throw new Untranslatable('multi-line anchor');
        this.#pos++;
        return { k: 'assert', src: c };
      case '\\':
        return this.#escape(flags);
      default:
        return this.#literal(this.#next(), flags);
    }
  }

  #literal(cp: number, flags: Flags): Node {
    if (!flags.i) return { k: 'lit', cp };
    const r = [cp, cp];
    // Characters outside ASCII letters that fold: the two non-ASCII members of ASCII orbits, and any
    // non-ASCII character (no fold table here: re2js keeps those patterns).
    if (cp > 0x7f) throw new Untranslatable('non-ASCII case folding');
    const folded = foldAscii(r);
    return folded.length === 2 && folded[0] === folded[1] ? { k: 'lit', cp } : { k: 'class', r: folded };
  }

  #group(flags: Flags): Node | undefined {
    const s = this.#s;
    this.#pos++; // (
    let inner = flags;
    if (s[this.#pos] === '?') {
      const named = /^\?P?<[A-Za-z0-9_]+>/.exec(s.slice(this.#pos, this.#pos + 260));
      if (named !== null) {
        this.#pos += named[0].length;
        inner = { ...flags };
      } else {
        const m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(s.slice(this.#pos, this.#pos + 16));
        if (m === null) throw new Untranslatable('group syntax');
        const set = { ...flags };
        for (const f of m[1]!) set[f as keyof Flags] = true;
        for (const f of m[2] ?? '') set[f as keyof Flags] = false;
        this.#pos += m[0].length;
        if (m[3] === ')') {
          Object.assign(flags, set); // `(?i)`: the rest of the enclosing group
          return undefined;
        }
        inner = set;
      }
    } else {
      inner = { ...flags };
    }
    const n = this.#alternation(inner);
    if (s[this.#pos] !== ')') throw new Untranslatable('missing )');
    this.#pos++;
    // An empty group still is an atom (a quantifier may follow): the empty concatenation.
    return n;
  }

  #escape(flags: Flags): Node | undefined {
    const s = this.#s;
    const c = s[this.#pos + 1];
    if (c === undefined) throw new Untranslatable('trailing backslash');
    switch (c) {
      case 'A':
        this.#pos += 2;
        return { k: 'assert', src: '^' };
      case 'z':
        this.#pos += 2;
        return { k: 'assert', src: '$' };
      case 'b':
      case 'B':
        this.#pos += 2;
        this.hasWordBoundary = true;
        return { k: 'assert', src: c === 'b' ? '\\b' : '\\B' };
      case 'Q': {
        // `\Q...\E`: literal text, a character at a time (a quantifier after it takes the last one).
        const end = s.indexOf('\\E', this.#pos + 2);
        this.#quoted = [...(end < 0 ? s.slice(this.#pos + 2) : s.slice(this.#pos + 2, end))];
        this.#pos = end < 0 ? s.length : end + 2;
        return undefined;
      }
      default: {
        const r = this.#classEscape(flags);
        if (r !== undefined) return { k: 'class', r };
        return this.#literal(this.#charEscape(), flags);
      }
    }
  }

  /** `\d \s \w` and negations at the position (consumed), folded as RE2 folds them; else undefined. */
  #classEscape(flags: Flags): Ranges | undefined {
    const c = this.#s[this.#pos + 1]!;
    const base = PERL[c.toLowerCase()];
    if (base === undefined) {
      if (c === 'p' || c === 'P') throw new Untranslatable('Unicode class');
      return undefined;
    }
    this.#pos += 2;
    const pos = flags.i ? foldAscii(base) : base;
    return c === c.toLowerCase() ? pos : negate(pos);
  }

  /** A single-character escape at the position (consumed): its code point. */
  #charEscape(): number {
    const s = this.#s;
    const c = s[this.#pos + 1]!;
    if (c === 'x') {
      const m = /^\\x(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))/.exec(s.slice(this.#pos, this.#pos + 12));
      if (m === null) throw new Untranslatable('\\x syntax');
      const cp = Number.parseInt(m[1] ?? m[2]!, 16);
      if (cp > MAX_CP || (cp >= 0xd800 && cp <= 0xdfff)) throw new Untranslatable('code point');
      this.#pos += m[0].length;
      return cp;
    }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) {
      this.#pos += 2;
      return simple;
    }
    // Escaped ASCII punctuation is itself; digits (octal, backreferences) and letters are something else.
    if (c.charCodeAt(0) < 0x80 && !/[0-9A-Za-z]/.test(c)) {
      this.#pos += 2;
      return c.charCodeAt(0);
    }
    throw new Untranslatable(`escape \\${c}`);
  }

  #class(flags: Flags): Node {
    const s = this.#s;
    let neg = false;
    if (s[this.#pos] === '^') {
      neg = true;
      this.#pos++;
    }
    const acc: Ranges = [];
    const add = (r: Ranges) => {
      for (const v of flags.i ? foldAscii(normalize(r)) : r) acc.push(v);
    };
    let first = true;
    for (;;) {
      const c = s[this.#pos];
      if (c === undefined) throw new Untranslatable('missing ]');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      if (c === '[' && s[this.#pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(s.slice(this.#pos, this.#pos + 16));
        const r = m === null ? undefined : POSIX[m[2]!];
        if (m !== null && r !== undefined) {
          this.#pos += m[0].length;
          // RE2 folds the positive class, then negates (so `(?i)[[:^upper:]]` excludes the letters).
          const pos = flags.i ? foldAscii(r) : r;
          for (const v of m[1] === '^' ? negate(pos) : pos) acc.push(v);
          continue;
        }
      }
      if (c === '\\') {
        const r = this.#classEscape(flags);
        if (r !== undefined) {
          for (const v of r) acc.push(v);
          continue;
        }
      }
      const lo = this.#classChar();
      let hi = lo;
      if (s[this.#pos] === '-' && s[this.#pos + 1] !== ']' && s[this.#pos + 1] !== undefined) {
        this.#pos++;
        if (s[this.#pos] === '\\' && /[dswDSWpP]/.test(s[this.#pos + 1] ?? '')) {
          throw new Untranslatable('class escape as a range end');
        }
        hi = this.#classChar();
        if (hi < lo) throw new Untranslatable('bad range');
      }
      add([lo, hi]);
    }
    const r = normalize(acc);
    return { k: 'class', r: neg ? negate(r) : r };
  }

  #classChar(): number {
    if (this.#s[this.#pos] === '\\') return this.#charEscape();
    return this.#next();
  }
}

function hex4(n: number): string {
  return `\\u${n.toString(16).padStart(4, '0')}`;
}

/** A class as a code-unit class: its members in the BMP outside the surrogates. */
function emitClass(r: Ranges, state: { sensitive: boolean }): string {
  let body = '';
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i]!;
    const hi = r[i + 1]!;
    if (hi >= 0xd800 && lo <= 0xdfff) state.sensitive = true;
    if (hi > 0xffff) state.sensitive = true;
    for (const [a, b] of [
      [lo, Math.min(hi, 0xd7ff)],
      [Math.max(lo, 0xe000), Math.min(hi, 0xffff)],
    ] as const) {
      if (a > b) continue;
      body += a === b ? hex4(a) : `${hex4(a)}-${hex4(b)}`;
    }
  }
  return `[${body}]`;
}

function emit(n: Node, state: { sensitive: boolean }): string {
  switch (n.k) {
    case 'lit':
      if (n.cp > 0xffff) {
        // Only a subject with surrogates can hold it: those go to re2js.
        state.sensitive = true;
        return '[]';
      }
      return /[A-Za-z0-9_ ]/.test(String.fromCharCode(n.cp)) ? String.fromCharCode(n.cp) : hex4(n.cp);
    case 'class':
      return emitClass(n.r, state);
    case 'assert':
      return n.src;
    case 'cat':
      return n.subs.length === 0
        ? '(?:)'
        : n.subs.map((s) => (s.k === 'alt' ? `(?:${emit(s, state)})` : emit(s, state))).join('');
    case 'alt':
      return n.subs.map((s) => emit(s, state)).join('|');
    case 'rep': {
      const inner =
        n.sub.k === 'lit' || n.sub.k === 'class' ? emit(n.sub, state) : `(?:${emit(n.sub, state)})`;
      const q =
        n.min === 0 && n.max === -1
          ? '*'
          : n.min === 1 && n.max === -1
            ? '+'
            : n.min === 0 && n.max === 1
              ? '?'
              : n.max === -1
                ? `{${n.min},}`
                : n.min === n.max
                  ? `{${n.min}}`
                  : `{${n.min},${n.max}}`;
      return `${inner}${q}${n.lazy ? '?' : ''}`;
    }
  }
}

function nullable(n: Node): boolean {
  switch (n.k) {
    case 'lit':
    case 'class':
      return false;
    case 'assert':
      return true;
    case 'cat':
      return n.subs.every(nullable);
    case 'alt':
      return n.subs.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.sub);
  }
}

/**
 * Translates a valid RE2 pattern (compile it with re2js first) into a V8 RegExp source with the same
 * matches on subjects without surrogates (and on all subjects unless `surrogateSensitive`); undefined when
 * the pattern uses something that has no exact translation here.
 */
export function translateRe2(pattern: string, ignoreCase: boolean): V8Translation | undefined {
  try {
    const p = new Parser(pattern);
    const root = p.parse({ i: ignoreCase, s: false, m: false, U: false });
    const state = { sensitive: false };
    const source = emit(root, state);
    // A match that consumes nothing can sit between the halves of a surrogate pair, where \b and \B
    // see two non-word code units and RE2 sees no position at all.
    if (p.hasWordBoundary && nullable(root)) state.sensitive = true;
    return { source, surrogateSensitive: state.sensitive };
  } catch (err) {
    if (err instanceof Untranslatable) return undefined;
    throw err;
  }
}
