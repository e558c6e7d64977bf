import { describe, expect, it } from '@jest/globals';
import type { CaptureEntry } from './entry-codec.js';
import { InvalidFilterError, InvalidRegexError } from './errors.js';
import { compileFilter, parseLabelMatcher, parseLabelSelector } from './filter.js';
import { parseMessagePattern } from './regex.js';

const web = { app: 'web', env: 'prod', pod: 'web-1' };
const api = { app: 'api', env: 'stg' };
const bare = {};
const e = (ts: bigint, labels: Record<string, string>, msg: string): CaptureEntry => ({ ts, labels, msg });

describe('parseLabelMatcher', () => {
  it('reads the four operators with bare, double- and backtick-quoted values', () => {
    expect(parseLabelMatcher('app=web')).toEqual({ name: 'app', op: '=', value: 'web' });
    expect(parseLabelMatcher(' app != "we b" ')).toEqual({ name: 'app', op: '!=', value: 'we b' });
    expect(parseLabelMatcher('app=~`web|api\\d`')).toEqual({ name: 'app', op: '=~', value: 'web|api\\d' });
    expect(parseLabelMatcher('pod!~canary-.*')).toEqual({ name: 'pod', op: '!~', value: 'canary-.*' });
    expect(parseLabelMatcher('app.kubernetes.io/name=x')).toMatchObject({ name: 'app.kubernetes.io/name' });
    expect(parseLabelMatcher('k=a=b')).toEqual({ name: 'k', op: '=', value: 'a=b' });
    expect(parseLabelMatcher('k=')).toEqual({ name: 'k', op: '=', value: '' });
  });

  it('rejects malformed matchers with a typed error', () => {
    for (const bad of ['app', '=web', 'app~web', '9app=x', 'app="unterminated\\"']) {
      expect(() => parseLabelMatcher(bad)).toThrow(InvalidFilterError);
    }
    expect(() => parseLabelMatcher('app')).toThrow(
      expect.objectContaining({ code: 'CAPTURE_INVALID_FILTER' }),
    );
  });

  it('rejects label regexes RE2 cannot run, naming the matcher and why', () => {
    for (const bad of ['app=~(', 'app=~"(a)\\\\1"', 'app!~"x(?=y)"', 'app=~"(?<!a)b"']) {
      expect(() => parseLabelMatcher(bad)).toThrow(InvalidRegexError);
    }
    expect(() => parseLabelMatcher('app=~"(a)\\\\1"')).toThrow(
      expect.objectContaining({
        code: 'CAPTURE_INVALID_REGEX',
        pattern: '(a)\\1',
        where: 'app=~"(a)\\\\1"',
        message: expect.stringMatching(/in app=~.*RE2 syntax \(no backreferences or lookaround/),
      }),
    );
    // A matcher built by hand is checked when the filter is compiled.
    expect(() => compileFilter({ labels: [{ name: 'pod', op: '=~', value: 'a(?=b)' }] })).toThrow(
      InvalidRegexError,
    );
  });
});

describe('parseLabelSelector', () => {
  it('reads LogQL stream selectors, commas inside quotes included', () => {
    expect(parseLabelSelector('{app="web", env!~"prod|stg", msg="a,b"}')).toEqual([
      { name: 'app', op: '=', value: 'web' },
      { name: 'env', op: '!~', value: 'prod|stg' },
      { name: 'msg', op: '=', value: 'a,b' },
    ]);
    expect(parseLabelSelector('app=web')).toEqual([{ name: 'app', op: '=', value: 'web' }]);
    expect(parseLabelSelector('{}')).toEqual([]);
    expect(() => parseLabelSelector('{app="web"')).toThrow(InvalidFilterError);
    expect(() => parseLabelSelector('{app="web}')).toThrow(InvalidFilterError);
    expect(() => parseLabelSelector('{app="web",,x=y}')).toThrow(InvalidFilterError);
  });
});

describe('compileFilter', () => {
  it('matches time inclusively at both ends', () => {
    const f = compileFilter({ from: 10n, to: 20n });
    expect([9n, 10n, 15n, 20n, 21n].map((t) => f.matchTime(t))).toEqual([false, true, true, true, false]);
    expect(f.overlaps(0n, 9n)).toBe(false);
    expect(f.overlaps(0n, 10n)).toBe(true);
    expect(f.overlaps(20n, 30n)).toBe(true);
    expect(f.overlaps(21n, 30n)).toBe(false);
    expect(() => compileFilter({ from: 2n, to: 1n })).toThrow(InvalidFilterError);
  });

  it('gives labels Loki semantics: anchored regexes, a missing label equals ""', () => {
    const m = (s: string) => compileFilter({ labels: [parseLabelMatcher(s)] });
    expect(m('app=web').matchLabels(web)).toBe(true);
    expect(m('app=web').matchLabels(api)).toBe(false);
    expect(m('app!=web').matchLabels(api)).toBe(true);
    expect(m('app=~we').matchLabels(web)).toBe(false); // anchored
    expect(m('app=~we.*').matchLabels(web)).toBe(true);
    expect(m('app=~(?i)WEB').matchLabels(web)).toBe(true);
    expect(m('app!~web|api').matchLabels(api)).toBe(false);
    expect(m('pod=').matchLabels(api)).toBe(true);
    expect(m('pod!=').matchLabels(api)).toBe(false);
    expect(m('pod=~.+').matchLabels(bare)).toBe(false);
    expect(m('pod!~.+').matchLabels(bare)).toBe(true);
    const both = compileFilter({ labels: [parseLabelMatcher('app=web'), parseLabelMatcher('env=stg')] });
    expect(both.matchLabels(web)).toBe(false); // ANDed
  });

  it('searches the message with an unanchored RE2 regex, case-insensitive with (?i)', () => {
    expect(compileFilter({ msg: 'time.?out' }).matchMsg('request timeout after 5s')).toBe(true);
    expect(compileFilter({ msg: 'ERROR' }).matchMsg('error')).toBe(false);
    expect(compileFilter({ msg: '(?i)ERROR' }).matchMsg('an error')).toBe(true);
    const p = compileFilter({ msg: parseMessagePattern('a') });
    expect([p.matchMsg('a'), p.matchMsg('a'), p.matchMsg('b')]).toEqual([true, true, false]);
    expect(() => compileFilter({ msg: '(' })).toThrow(InvalidRegexError);
    expect(() => compileFilter({ msg: '(\\w+) \\1' })).toThrow(InvalidRegexError);
    const is = compileFilter({ msg: '(?is)a.b' });
    expect([is.matchMsg('A\nB'), is.matchMsg('a\n\nb')]).toEqual([true, false]);
  });

  it('matches an evil pattern on a long line in linear time', () => {
    // (a+)+$ backtracks exponentially in a JS RegExp on a run of a's with a non-matching tail.
    const f = compileFilter({ msg: '(a+)+$', labels: [{ name: 'app', op: '=~', value: '(a|aa)+' }] });
    const line = `${'a'.repeat(100_000)}!`;
    const t0 = performance.now();
    expect(f.matchMsg(line)).toBe(false);
    expect(f.matchLabels({ app: line })).toBe(false);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('combines everything in matches(), and keeps all with an empty filter', () => {
    const f = compileFilter({ from: 5n, labels: [parseLabelMatcher('app=web')], msg: 'GET' });
    expect(f.all).toBe(false);
    expect(f.matches(e(5n, web, 'GET /'))).toBe(true);
    expect(f.matches(e(4n, web, 'GET /'))).toBe(false);
    expect(f.matches(e(5n, api, 'GET /'))).toBe(false);
    expect(f.matches(e(5n, web, 'POST /'))).toBe(false);
    expect(compileFilter().all).toBe(true);
    expect(compileFilter({}).matches(e(0n, bare, ''))).toBe(true);
  });

  it('prunes by index label counts only when no line can match', () => {
    const counts = { app: { web: 10, api: 5 }, env: { prod: 3 } };
    const may = (s: string, lines = 15, overflow?: string[]) =>
      compileFilter({ labels: [parseLabelMatcher(s)] }).mayMatchLabels(counts, lines, overflow);
    expect(may('app=web')).toBe(true);
    expect(may('app=db')).toBe(false);
    expect(may('app!=web')).toBe(true);
    expect(may('app=~d.*')).toBe(false);
    expect(may('app!~web|api')).toBe(false);
    expect(may('env=prod')).toBe(true);
    expect(may('env=')).toBe(true); // 12 of 15 lines have no env
    expect(may('env!=prod')).toBe(true);
    expect(may('env!=prod', 3)).toBe(false); // every line has env=prod
    expect(may('zone=a')).toBe(false); // no line has zone
    expect(may('zone=')).toBe(true);
    expect(may('app=db', 15, ['app'])).toBe(true); // capped value map: unknown
    expect(compileFilter({ labels: [parseLabelMatcher('app=db')] }).mayMatchLabels(undefined, 15)).toBe(true);
  });
});
