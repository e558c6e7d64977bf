import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { detectLevel, isErrorLevel } from './level.js';

describe('detectLevel', () => {
  it('reads level labels first', () => {
    expect(detectLevel('all good', { level: 'ERROR' })).toBe('error');
    expect(detectLevel('ERROR text', { detected_level: 'info' })).toBe('info');
  });
  it('reads JSON and logfmt level fields, including numeric pino levels', () => {
    expect(detectLevel('{"time":1,"level":"warn","msg":"x"}')).toBe('warn');
    expect(detectLevel('{"level":50,"msg":"boom"}')).toBe('error');
    expect(detectLevel('{"level":30,"msg":"ok"}')).toBe('info');
    expect(detectLevel('ts=1 level=debug msg="cache miss"')).toBe('debug');
    expect(detectLevel('ts=1 lvl=crit msg=x')).toBe('fatal');
    expect(detectLevel('{"severity":"ERROR","message":"x"}')).toBe('error');
  });
  it('reads level words, bracketed levels and klog prefixes', () => {
    expect(detectLevel('2024-01-01 12:00:00 ERROR something failed')).toBe('error');
    expect(detectLevel('[Sun Dec 04 04:47:44 2005] [error] mod_jk child')).toBe('error');
    expect(detectLevel('E0102 15:04:05.000000    1 controller.go:42] sync failed')).toBe('error');
    expect(detectLevel('W0102 15:04:05.000000    1 x.go:1] slow')).toBe('warn');
    expect(detectLevel('panic: runtime error: index out of range')).toBe('fatal');
    expect(detectLevel('WARNING: disk almost full')).toBe('warn');
  });
  it('treats stack traces as errors and leaves plain text unknown', () => {
    expect(detectLevel('Traceback (most recent call last):')).toBe('error');
    expect(detectLevel('java.lang.IllegalStateException: bad state')).toBe('error');
    expect(detectLevel('GET /healthz 200')).toBeUndefined();
    expect(detectLevel('an error occurred')).toBeUndefined();
    expect(detectLevel('information retrieval')).toBeUndefined();
  });
  it('flags error and fatal as errors', () => {
    expect(isErrorLevel('error')).toBe(true);
    expect(isErrorLevel('fatal')).toBe(true);
    expect(isErrorLevel('warn')).toBe(false);
    expect(isErrorLevel(undefined)).toBe(false);
  });
});

/** Splits one CSV record (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const corpus = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus/loghub');
const LEVELS: Record<string, string> = {
  INFO: 'info',
  WARN: 'warn',
  WARNING: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  SEVERE: 'error',
  FAILURE: 'error',
  notice: 'info',
  error: 'error',
};

describe('detectLevel on loghub ground truth', () => {
  for (const sys of ['Apache', 'BGL', 'HDFS', 'Hadoop', 'OpenStack', 'Zookeeper']) {
    it(`agrees with the Level column of ${sys}`, () => {
      let raw: string[];
      let csv: string[];
      try {
        raw = readFileSync(join(corpus, sys, `${sys}_2k.log`), 'utf8').split('\n');
        csv = readFileSync(join(corpus, sys, `${sys}_2k.log_structured.csv`), 'utf8').split('\n');
      } catch {
        // The corpus lives beside the repository (shared/); without it there is nothing to compare.
        return;
      }
      const col = csvFields(csv[0]!).indexOf('Level');
      let agree = 0;
      let total = 0;
      for (let i = 0; i < 2000; i++) {
        const want = csvFields(csv[i + 1]!)[col]!;
        total++;
        if (detectLevel(raw[i]!) === (LEVELS[want] ?? want.toLowerCase())) agree++;
      }
      expect(total).toBe(2000);
      expect(agree / total).toBeGreaterThanOrEqual(0.99);
    });
  }
});
