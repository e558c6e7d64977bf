/**
 * Label strings (`{app="api", level="info"}`) parsed by the grammar Loki uses: Prometheus `ParseMetric`
 * (promql/parser lex.go + generated_parser.y, Prometheus 3) followed by dropping empty values. Supported:
 * an optional metric name before the braces (`foo{a="b"}` → `__name__="foo"`), `"`, `'` and backtick
 * strings, Go escapes (`\a \b \f \n \r \t \v \\ \" \'`, `\NNN`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`), quoted
 * UTF-8 label names (`{"k8s.pod"="x"}`), a bare string item as the metric name, a trailing comma, free
 * whitespace and `#` line comments.
 */
import { DuplicateLabelError, LabelsTooLargeError } from './errors.js';
import { describe, isAlpha, isDigit, LabelLexer } from './label-lexer.js';

/** Loki refuses label strings over 16 MiB before parsing them (its guard against a parser panic). */
export const MAX_LABELS_BYTES = 16 * 1024 * 1024;

/** Label pairs in input order, before sorting and dropping empties. */
type Pairs = Array<[string, string]>;

/** Parses a label string into pairs in input order (no sorting, no dropping). */
function parsePairs(input: string): Pairs {
  const lx: LabelLexer = new LabelLexer(input);
  const s = input;
  const pairs: Pairs = [];
  lx.skip();
  if (lx.i >= s.length) return pairs;
  let c = s.charCodeAt(lx.i);
  // Optional metric name: [a-zA-Z_:][a-zA-Z0-9_:]* before the braces.
  if (isAlpha(c) || c === 0x3a) {
    const start = lx.i;
    while (lx.i < s.length) {
      const d = s.charCodeAt(lx.i);
      if (isAlpha(d) || isDigit(d) || d === 0x3a) lx.i++;
      else break;
    }
    pairs.push(['__name__', s.slice(start, lx.i)]);
    lx.skip();
    if (lx.i >= s.length) return pairs;
    c = s.charCodeAt(lx.i);
  }
  if (c !== 0x7b) lx.fail(lx.i, `unexpected character ${describe(c)}, expected "{"`);
  lx.i++;
  lx.skip();
  if (s.charCodeAt(lx.i) === 0x7d) {
    lx.i++;
  } else {
    for (;;) {
      // item := IDENT '=' STRING | STRING '=' STRING | STRING
      lx.skip();
      const itemAt = lx.i;
      c = s.charCodeAt(lx.i);
      let name: string;
      let quotedName = false;
      if (isAlpha(c)) name = lx.ident();
      else if (c === 0x22 || c === 0x27 || c === 0x60) {
        name = lx.string();
        quotedName = true;
      } else lx.unexpected('a label name or "}"');
      lx.skip();
      c = s.charCodeAt(lx.i);
      if (c === 0x3d && s.charCodeAt(lx.i + 1) !== 0x7e) {
        lx.i++;
        lx.skip();
        const v = s.charCodeAt(lx.i);
        if (v !== 0x22 && v !== 0x27 && v !== 0x60) {
          lx.unexpected('string');
        }
        if (name.length === 0) lx.fail(itemAt, 'label name must not be empty');
        pairs.push([name, lx.string()]);
      } else if (quotedName && (c === 0x2c || c === 0x7d)) {
        // A bare quoted string is the metric name (Prometheus 3 `{"metric", a="b"}`).
        pairs.push(['__name__', name]);
      } else if (
        (c === 0x21 && (s.charCodeAt(lx.i + 1) === 0x3d || s.charCodeAt(lx.i + 1) === 0x7e)) ||
        c === 0x3d
      ) {
        lx.fail(lx.i, 'only "=" is allowed in a label set (no "!=", "=~" or "!~")');
      } else {
        lx.unexpected('"="');
      }
      lx.skip();
      c = s.charCodeAt(lx.i);
      if (c === 0x2c) {
        lx.i++;
        lx.skip();
        if (s.charCodeAt(lx.i) === 0x7d) {
          lx.i++;
          break;
        }
        continue;
      }
      if (c === 0x7d) {
        lx.i++;
        break;
      }
      lx.unexpected('"," or "}"');
    }
  }
  lx.skip();
  if (lx.i < s.length) lx.fail(lx.i, `unexpected ${describe(s.charCodeAt(lx.i))} after the label set`);
  return pairs;
}

/** Result of {@link parseLabelSet}: the labels plus the first duplicated name, if any. */
export interface ParsedLabelSet {
  /** Sorted, empty values dropped, null prototype. With a duplicate, the last value wins. */
  labels: Record<string, string>;
  /** A label name given twice (after dropping empty values), or undefined. */
  duplicate: string | undefined;
}

/** Sorts pairs by name, drops empty values and builds a null-prototype record. */
export function labelsFromPairs(pairs: Array<[string, string]>): ParsedLabelSet {
  let duplicate: string | undefined;
  const kept = pairs.filter((p) => p[1] !== '');
  if (kept.length > 1) kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const labels: Record<string, string> = Object.create(null);
  for (let k = 0; k < kept.length; k++) {
    const [name, value] = kept[k]!;
    if (duplicate === undefined && k > 0 && kept[k - 1]![0] === name) duplicate = name;
    labels[name] = value;
  }
  return { labels, duplicate };
}

/**
 * Parses a label string and reports duplicates instead of throwing on them (the decoders turn a duplicate
 * into a per-stream rejection, as Loki's distributor does). Throws {@link LabelParseError} on bad syntax.
 */
export function parseLabelSet(input: string): ParsedLabelSet {
  if (input.length > MAX_LABELS_BYTES) throw new LabelsTooLargeError(input.length, MAX_LABELS_BYTES);
  return labelsFromPairs(parsePairs(input));
}

/**
 * Parses a Prometheus/Loki label string such as `{app="api", level="info"}` into a sorted, null-prototype
 * record; labels with empty values are dropped (Loki's behaviour).
 *
 * @throws {LabelParseError} bad syntax, with `offset`, `line` and `column` of the problem.
 * @throws {DuplicateLabelError} the same label name twice.
 * @throws {LabelsTooLargeError} over 16 MiB.
 * @example parseLabels('{b="2", a="1",}') // { a: '1', b: '2' }
 */
export function parseLabels(input: string): Record<string, string> {
  const { labels, duplicate } = parseLabelSet(input);
  if (duplicate !== undefined) throw new DuplicateLabelError(input, duplicate);
  return labels;
}
