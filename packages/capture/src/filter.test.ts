import { describe, expect, it } from '@jest/globals';
import type { CaptureEntry } from './entry-codec.js';
import { InvalidFilterError } from './errors.js';
import { compileFilter, parseLabelMatcher, parseLabelSelector, parseMessagePattern } from './filter.js';

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

  it('rejects malformed matchers and regexes with a typed error', () => {
    for (const bad of ['app', '=web', 'app~web', '9app=x', 'app=~(', 'app="unterminated\\"']) {
      expect(() => parseLabelMatcher(bad)).toThrow(InvalidFilterError);
    }
    try {
      parseLabelMatcher('app=~(');
    } catch (err) {
      expect((err as InvalidFilterError).code).toBe('CAPTURE_INVALID_FILTER');
      expect((err as Error).message).toMatch(/invalid regular expression/);
    }
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

  it('searches the message with an unanchored regex, case-insensitive with (?i), safe with /g', () => {
    expect(compileFilter({ msg: 'time.?out' }).matchMsg('request timeout after 5s')).toBe(true);
    expect(compileFilter({ msg: 'ERROR' }).matchMsg('error')).toBe(false);
    expect(compileFilter({ msg: '(?i)ERROR' }).matchMsg('an error')).toBe(true);
    const g = compileFilter({ msg: /a/g });
    expect([g.matchMsg('a'), g.matchMsg('a'), g.matchMsg('a')]).toEqual([true, true, true]);
    expect(() => compileFilter({ msg: '(' })).toThrow(InvalidFilterError);
    expect(parseMessagePattern('(?is)a.b').flags).toBe('is');
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
