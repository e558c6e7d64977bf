import { describe, expect, test } from '@jest/globals';
import { classifyNamespace } from './prod-guard.js';

describe('classifyNamespace', () => {
  test.each([
    ['shop', { env: 'prod' }, true],
    ['shop', { environment: 'Production' }, true],
    ['shop', { 'logtap.dev/prod': 'true' }, true],
    ['prod', {}, true],
    ['shop-prod', {}, true],
    ['prd-eu-1', {}, true],
    ['payments.production', {}, true],
    ['products', {}, false],
    ['reproduce', {}, false],
    ['prodigy', {}, false],
    ['staging', { env: 'staging' }, false],
    ['shop-prod', { 'logtap.dev/prod': 'false' }, false],
    ['shop-prod', { 'logtap.dev/prod': 'false', env: 'prod' }, true],
  ])('%s %j → production=%s', (name, labels, production) => {
    expect(classifyNamespace(name, labels).production).toBe(production);
  });

  test('says why', () => {
    expect(classifyNamespace('shop-prod', { env: 'production' }).reasons).toEqual(['label env=production']);
    expect(classifyNamespace('prd').reasons[0]).toContain('production word');
  });
});
