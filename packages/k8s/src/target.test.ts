import { describe, expect, test } from '@jest/globals';
import { addPort, meshBypassKeys, removePorts } from './mesh.js';
import { generateSessionId, validateSessionId } from './session.js';
import { parseTarget } from './target.js';

describe('parseTarget', () => {
  test.each([
    ['logtap-receiver.logtap:3100', 'http://logtap-receiver.logtap:3100', 3100, false],
    ['http://recv.logtap.svc.cluster.local:3100/', 'http://recv.logtap.svc.cluster.local:3100', 3100, false],
    ['https://logs.example.com', 'https://logs.example.com', 443, true],
    ['http://10.0.0.7', 'http://10.0.0.7', 80, false],
    ['https://gw.example.com:8443/logtap', 'https://gw.example.com:8443/logtap', 8443, true],
    ['[fd00::1]:3100', 'http://[fd00::1]:3100', 3100, false],
  ])('%s', (text, url, port, tls) => {
    expect(parseTarget(text)).toMatchObject({ url, port, tls });
  });

  test.each(['', 'recv', 'ftp://x:1', 'http://user:pw@x:1', 'http://x:1/?a=b', 'bad host:1'])(
    'rejects %j',
    (t) => {
      expect(() => parseTarget(t)).toThrow(/invalid --target/);
    },
  );
});

describe('mesh bypass', () => {
  test('detects injection on the template or the namespace, and honours an opt-out', () => {
    expect(meshBypassKeys({ templateAnnotations: { 'linkerd.io/inject': 'enabled' } })).toEqual([
      'config.linkerd.io/skip-outbound-ports',
    ]);
    expect(
      meshBypassKeys({
        namespaceAnnotations: { 'linkerd.io/inject': 'enabled' },
        templateAnnotations: { 'linkerd.io/inject': 'disabled' },
      }),
    ).toEqual([]);
    expect(meshBypassKeys({ namespaceLabels: { 'istio-injection': 'enabled' } })).toEqual([
      'traffic.sidecar.istio.io/excludeOutboundPorts',
    ]);
    expect(meshBypassKeys({ namespaceLabels: { 'istio.io/rev': 'canary' } })).toEqual([
      'traffic.sidecar.istio.io/excludeOutboundPorts',
    ]);
    expect(meshBypassKeys({ templateLabels: { 'sidecar.istio.io/inject': 'true' } })).toEqual([
      'traffic.sidecar.istio.io/excludeOutboundPorts',
    ]);
    expect(
      meshBypassKeys({
        namespaceLabels: { 'istio-injection': 'enabled' },
        templateLabels: { 'sidecar.istio.io/inject': 'false' },
      }),
    ).toEqual([]);
    expect(meshBypassKeys({})).toEqual([]);
  });

  test('port lists merge with the user list and ranges count', () => {
    expect(addPort(undefined, 3100)).toBe('3100');
    expect(addPort('4222, 5432', 3100)).toBe('4222, 5432,3100');
    expect(addPort('3000-3200', 3100)).toBe('3000-3200');
    expect(addPort('3100', 3100)).toBe('3100');
    expect(removePorts('4222,3100', [3100])).toBe('4222');
    expect(removePorts('3100', [3100])).toBeNull();
  });
});

describe('sessions', () => {
  test('generated ids are lt- + 16 hex and valid; user ids are checked', () => {
    const id = generateSessionId(() => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 255]));
    expect(id).toBe('lt-01020304050607ff');
    expect(validateSessionId(id)).toBe(id);
    expect(() => validateSessionId('Load_Test')).toThrow(/invalid --session/);
    expect(() => validateSessionId('a'.repeat(47))).toThrow();
  });
});
