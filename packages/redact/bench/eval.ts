/**
 * Precision and recall of every built-in rule, on two sets:
 *
 * 1. loghub (../shared/corpus/loghub, 8 systems x 2k real log lines). Ground truth comes from oracles
 *    written independently of the rules (node:net's isIPv4/isIPv6 on maximal tokens, a strict MAC and
 *    email shape); every other rule has no true instance in these logs (reviewed by hand: no keys,
 *    cards, phones...), so each of its hits is a false positive.
 * 2. The labelled set of src/test-helpers/labelled.ts: generated positives and near-miss negatives.
 *
 * A hit counts as a true positive only when its span equals a truth span exactly.
 * Usage: pnpm --filter @logtap/redact eval [--json] [--corpus DIR] [--show N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileRedactor, listRules, luhnValid } from '../src/index.js';
import { labelledSet } from '../src/test-helpers/labelled.js';

const { values } = parseArgs({
  // `pnpm bench -- --flag` passes the `--` through.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    json: { type: 'boolean', default: false },
    corpus: { type: 'string', default: join(import.meta.dirname, '../../../../shared/corpus/loghub') },
    show: { type: 'string', default: '3' },
  },
});

interface Span {
  start: number;
  end: number;
}

type Oracle = (line: string) => Span[];

/** Maximal runs of characters accepted by `inRun`. */
function runs(line: string, inRun: (c: string) => boolean): Span[] {
  const out: Span[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const ok = i < line.length && inRun(line[i]!);
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) {
      out.push({ start, end: i });
      start = -1;
    }
  }
  return out;
}

const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

const ORACLES: Record<string, Oracle> = {
  ipv4: (line) =>
    runs(line, (c) => /[0-9.]/.test(c)).flatMap((r) => {
      let end = r.end;
      if (line[end - 1] === '.') end--;
      if (isWord(line[r.start - 1]) || isWord(line[r.end])) return [];
      return isIPv4(line.slice(r.start, end)) ? [{ start: r.start, end }] : [];
    }),
  ipv6: (line) =>
    runs(line, (c) => /[0-9A-Za-z:.%_]/.test(c)).flatMap((r) => {
      const text = line.slice(r.start, r.end);
      if (!text.includes(':')) return [];
      const groups = text.split(':');
      // The longest run of leading groups that is an address, followed by nothing or a decimal port.
      for (let n = groups.length; n >= 3; n--) {
        const addr = groups.slice(0, n).join(':');
        const rest = groups.slice(n);
        if (addr === '::' || !/\d/.test(addr) || !isIPv6(addr)) continue;
        // A port may follow (Java prints "0:0:0:0:0:0:0:0:2181"), but not more hex groups (a longer id).
        if (rest.length > 0 && !/^\d{1,5}$/.test(rest[0]!)) continue;
        if (rest.length > 1 && /^[0-9A-Fa-f]{1,4}$/.test(rest[1]!)) continue;
        return [{ start: r.start, end: r.start + addr.length }];
      }
      return [];
    }),
  mac: (line) =>
    runs(line, (c) => /[0-9A-Za-z:.-]/.test(c)).flatMap((r) => {
      const text = line.slice(r.start, r.end).replace(/\.$/, '');
      const six = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}$/.test(text);
      const cisco = /^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$/.test(text);
      return six || cisco ? [{ start: r.start, end: r.start + text.length }] : [];
    }),
  email: (line) =>
    runs(line, (c) => /[A-Za-z0-9._%+@-]/.test(c)).flatMap((r) => {
      const text = line.slice(r.start, r.end).replace(/[.-]+$/, '');
      const m = /^([A-Za-z0-9._%+-]+)@((?:[A-Za-z0-9-]+\.)+([A-Za-z]{2,}))$/.exec(text);
      return m === null ? [] : [{ start: r.start, end: r.start + text.length }];
    }),
};

interface Score {
  hits: number;
  tp: number;
  fp: number;
  fn: number;
  fpExamples: string[];
  fnExamples: string[];
}

function newScore(): Score {
  return { hits: 0, tp: 0, fp: 0, fn: 0, fpExamples: [], fnExamples: [] };
}

function score(s: Score, text: string, got: Span[], truth: Span[], show: number): void {
  const key = (x: Span) => `${x.start}:${x.end}`;
  const truthKeys = new Set(truth.map(key));
  const gotKeys = new Set(got.map(key));
  s.hits += got.length;
  for (const g of got) {
    if (truthKeys.has(key(g))) s.tp++;
    else {
      s.fp++;
      if (s.fpExamples.length < show)
        s.fpExamples.push(`${JSON.stringify(text.slice(g.start, g.end))} in ${text.slice(0, 160)}`);
    }
  }
  for (const t of truth) {
    if (gotKeys.has(key(t))) continue;
    s.fn++;
    if (s.fnExamples.length < show)
      s.fnExamples.push(`${JSON.stringify(text.slice(t.start, t.end))} in ${text.slice(0, 160)}`);
  }
}

function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : (a / b).toFixed(3);
}

const show = Number(values.show);
const rules = listRules().map((r) => r.name);
const corpusDir = values.corpus!;
const systems = readdirSync(corpusDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const lines: string[] = [];
for (const s of systems) {
  const text = readFileSync(join(corpusDir, s, `${s}_2k.log`), 'utf8');
  for (const l of text.split('\n')) if (l.length > 0) lines.push(l);
}

const labelled = labelledSet();
const results: Record<string, { loghub: Score; labelled: Score; truth: number }> = {};
for (const rule of rules) {
  const r = compileRedactor({ rules: [rule] });
  const oracle = ORACLES[rule];
  const loghub = newScore();
  let truth = 0;
  for (const line of lines) {
    const t = oracle === undefined ? [] : oracle(line);
    truth += t.length;
    score(loghub, line, r.scan(line), t, show);
  }
  const lab = newScore();
  for (const s of labelled) {
    if (s.rule !== rule) continue;
    const t = s.expected.map((e) => ({ start: s.text.indexOf(e), end: s.text.indexOf(e) + e.length }));
    score(lab, s.text, r.scan(s.text), t, show);
  }
  results[rule] = { loghub, labelled: lab, truth };
}

// Baseline: the original logtap's patterns as the reference describes them (Go RE2 regexes; word
// boundaries as \b; credit cards Luhn-checked, nothing else validated), scored with the same oracles.
const ORIGINAL: Record<string, { re: RegExp; luhn?: boolean }> = {
  credit_card: { re: /\b(?:\d[ -]?){12,18}\d\b/g, luhn: true },
  email: { re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  ssn: { re: /\b\d{3}-\d{2}-\d{4}\b/g },
  phone: { re: /(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}\b/g },
  ipv4: { re: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
};
const baseline: Record<string, Score> = {};
for (const [rule, { re, luhn }] of Object.entries(ORIGINAL)) {
  const s = newScore();
  const oracle = ORACLES[rule];
  for (const line of lines) {
    const got: Span[] = [];
    for (const m of line.matchAll(re)) {
      if (luhn && !luhnValid(m[0].replace(/[ -]/g, ''))) continue;
      got.push({ start: m.index, end: m.index + m[0].length });
    }
    score(s, line, got, oracle === undefined ? [] : oracle(line), show);
  }
  baseline[rule] = s;
}

// All rules together: how many loghub lines change, and the labels they get.
const all = compileRedactor();
let changed = 0;
for (const line of lines) if (all.redact(line).hits > 0) changed++;

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ lines: lines.length, systems, labelledSamples: labelled.length, changedLines: changed, counters: all.counters(), results, baseline }, null, 2)}\n`,
  );
} else {
  const out: string[] = [];
  out.push(
    `loghub: ${lines.length} lines from ${systems.join(', ')}; labelled set: ${labelled.length} samples (${labelled.length / rules.length / 2} positives + as many negatives per rule)`,
    '',
    '| rule | loghub truth | loghub hits | TP | FP | FN | precision | recall | labelled P | labelled R |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const rule of rules) {
    const { loghub: h, labelled: l, truth } = results[rule]!;
    out.push(
      `| ${rule} | ${truth} | ${h.hits} | ${h.tp} | ${h.fp} | ${h.fn} | ${ratio(h.tp, h.tp + h.fp)} | ${ratio(h.tp, h.tp + h.fn)} | ${ratio(l.tp, l.tp + l.fp)} | ${ratio(l.tp, l.tp + l.fn)} |`,
    );
  }
  out.push('', `all rules together change ${changed} of ${lines.length} loghub lines`, '');
  out.push(
    'original logtap patterns on loghub (baseline):',
    '',
    '| rule | hits | TP | FP | FN | precision | recall |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [rule, b] of Object.entries(baseline)) {
    out.push(
      `| ${rule} | ${b.hits} | ${b.tp} | ${b.fp} | ${b.fn} | ${ratio(b.tp, b.tp + b.fp)} | ${ratio(b.tp, b.tp + b.fn)} |`,
    );
  }
  for (const rule of rules) {
    const { loghub: h, labelled: l } = results[rule]!;
    for (const [what, list] of [
      ['loghub FP', h.fpExamples],
      ['loghub FN', h.fnExamples],
      ['labelled FP', l.fpExamples],
      ['labelled FN', l.fnExamples],
    ] as const) {
      for (const e of list) out.push(`  ${rule} ${what}: ${e}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
