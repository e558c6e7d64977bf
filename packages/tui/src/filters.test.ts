import { describe, expect, it } from '@jest/globals';
import { LabelFilterInvalidError } from './errors.js';
import { describeFilters, parseLabelFilter, passesFilters } from './filters.js';
import { toTuiLine } from './line.js';
import { compileUserRegex } from './regex.js';

describe('parseLabelFilter', () => {
  it('parses key=value terms joined by commas; empty clears', () => {
    expect(parseLabelFilter('app=api')).toEqual([{ key: 'app', value: 'api' }]);
    expect(parseLabelFilter(' app = api , pod=p-1 ')).toEqual([
      { key: 'app', value: 'api' },
      { key: 'pod', value: 'p-1' },
    ]);
    expect(parseLabelFilter('k=')).toEqual([{ key: 'k', value: '' }]);
    expect(parseLabelFilter('')).toEqual([]);
  });
  it('rejects terms without a key', () => {
    expect(() => parseLabelFilter('app')).toThrow(LabelFilterInvalidError);
    expect(() => parseLabelFilter('=x')).toThrow(LabelFilterInvalidError);
  });
});

describe('passesFilters', () => {
  const line = toTuiLine({ ts: 0n, labels: { app: 'api' }, msg: 'GET /healthz 200' }, 0);
  it('combines label terms (AND) and the stack in order', () => {
    expect(passesFilters(line, [{ key: 'app', value: 'api' }], [])).toBe(true);
    expect(passesFilters(line, [{ key: 'app', value: 'web' }], [])).toBe(false);
    expect(passesFilters(line, [], [{ kind: 'hide', re: compileUserRegex('healthz') }])).toBe(false);
    expect(passesFilters(line, [], [{ kind: 'keep', re: compileUserRegex('healthz') }])).toBe(true);
    expect(passesFilters(line, [], [{ kind: 'keep', re: compileUserRegex('^api$') }])).toBe(true);
  });
  it('describes the filters for the status bar', () => {
    expect(
      describeFilters([{ key: 'app', value: 'api' }], [{ kind: 'hide', re: compileUserRegex('x') }]),
    ).toEqual(['LABEL app=api', 'HIDE /x/']);
  });
});
