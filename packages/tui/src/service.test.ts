import { describe, expect, it } from '@jest/globals';
import { serviceOf } from './service.js';

describe('serviceOf', () => {
  it('prefers app.kubernetes.io/name, then app, container, pod', () => {
    const all = { 'app.kubernetes.io/name': 'k', app: 'a', container: 'c', pod: 'p' };
    expect(serviceOf(all)).toBe('k');
    expect(serviceOf({ app_kubernetes_io_name: 'k2', app: 'a' })).toBe('k2');
    expect(serviceOf({ app: 'a', container: 'c', pod: 'p' })).toBe('a');
    expect(serviceOf({ container: 'c', pod: 'p' })).toBe('c');
    expect(serviceOf({ pod: 'p', namespace: 'n' })).toBe('p');
  });
  it('falls back to the first label by sorted key, deterministically', () => {
    expect(serviceOf({ zone: 'z', namespace: 'ns', session: 's' })).toBe('ns');
    expect(serviceOf({ session: 's', namespace: 'ns', zone: 'z' })).toBe('ns');
    expect(serviceOf({})).toBe('-');
  });
  it('skips empty values', () => {
    expect(serviceOf({ app: '', pod: 'p' })).toBe('p');
  });
});
