import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import YAML from 'yaml';
import { toYaml } from './diff.js';
import { guardedPatch } from './json-patch.js';
import { type PodTemplate, readTapState, type TapSpec, tapTemplate, untapTemplate } from './patch.js';

const golden = (name: string) => new URL(`../test/golden/${name}`, import.meta.url);

/** Compares with a committed golden file; LOGTAP_UPDATE_GOLDEN=1 rewrites it (review the diff!). */
function expectGolden(name: string, value: unknown): void {
  const text = toYaml(value);
  if (process.env.LOGTAP_UPDATE_GOLDEN === '1') writeFileSync(golden(name), text);
  expect(text).toBe(readFileSync(golden(name), 'utf8'));
}

function input(name: string): PodTemplate {
  return YAML.parse(readFileSync(golden(name), 'utf8')) as PodTemplate;
}

const spec = (over: Partial<TapSpec> = {}): TapSpec => ({
  session: 'lt-0123456789abcdef',
  target: 'logtap-receiver.logtap:3100',
  image: 'ghcr.io/logtap/logtap-forwarder:0.1.0',
  cpu: '25m',
  memory: '16Mi',
  workload: { kind: 'Deployment', name: 'api-gateway' },
  ...over,
});

/** The JSON Patch tap sends must turn the live template into the computed one (checked with fast-json-patch). */
function expectPatchReproduces(before: PodTemplate, after: PodTemplate): void {
  const obj = { metadata: { resourceVersion: '7' }, spec: { template: before } };
  const ops = guardedPatch('7', '/spec/template', before, after);
  const res = jsonPatch.applyPatch(structuredClone(obj), ops as never, true, false).newDocument;
  expect(res.spec.template).toEqual(after);
  expect(ops[0]).toEqual({ op: 'replace', path: '/metadata/resourceVersion', value: '7' });
  expect(ops.some((o) => o.path === '/spec/template/spec/containers')).toBe(false);
}

describe('tapTemplate / untapTemplate with golden manifests', () => {
  test.each([
    ['plain', spec()],
    ['linkerd', spec()],
    [
      'istio-https',
      spec({ target: 'https://logs.example.com', namespace: { labels: { 'istio-injection': 'enabled' } } }),
    ],
    ['no-automount', spec({ tokenVolume: true, workload: { kind: 'StatefulSet', name: 'db' } })],
  ])('%s: tap matches the golden template and untap restores the input exactly', (name, s) => {
    const before = input(`${name}.input.yaml`);
    const frozen = structuredClone(before);
    const tapped = tapTemplate(before, s);
    expect(tapped.changed).toBe(true);
    expect(before).toEqual(frozen);
    expectGolden(`${name}.tapped.yaml`, tapped.template);
    expectPatchReproduces(before, tapped.template);
    const untapped = untapTemplate(tapped.template, [s.session]);
    expect(untapped.warnings).toEqual([]);
    expect(untapped.template).toEqual(before);
    expect(toYaml(untapped.template)).toBe(toYaml(before));
    expectPatchReproduces(tapped.template, untapped.template);
  });

  test('the forwarder container: resources, probe, securityContext, downward API env', () => {
    const t = tapTemplate(input('plain.input.yaml'), spec({ cpu: '50m', memory: '0.5Gi' })).template;
    const c = t.spec!.containers!.at(-1)!;
    expect(c.name).toBe('logtap-forwarder-lt-0123456789abcdef');
    expect(c.resources).toEqual({
      requests: { cpu: '50m', memory: '0.5Gi' },
      limits: { cpu: '100m', memory: '1Gi' },
    });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    const env = Object.fromEntries(
      (c.env as { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[]).map(
        (e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath],
      ),
    );
    expect(env).toMatchObject({
      LOGTAP_TARGET: 'http://logtap-receiver.logtap:3100',
      LOGTAP_SESSION: 'lt-0123456789abcdef',
      LOGTAP_POD_NAME: 'metadata.name',
      LOGTAP_NAMESPACE: 'metadata.namespace',
      LOGTAP_NODE_NAME: 'spec.nodeName',
    });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 9091 } });
  });

  test('the health port skips ports the pod already uses', () => {
    const t = input('plain.input.yaml');
    t.spec!.containers![0]!.ports = [{ containerPort: 9091 }, { containerPort: 9092 }];
    const tapped = tapTemplate(t, spec()).template;
    expect(tapped.spec!.containers!.at(-1)!.livenessProbe).toMatchObject({ httpGet: { port: 9093 } });
    const second = tapTemplate(tapped, spec({ session: 'lt-b' })).template;
    expect(second.spec!.containers!.at(-1)!.livenessProbe).toMatchObject({ httpGet: { port: 9094 } });
  });

  test('two sessions: each keeps its own forwarder and port; removing one leaves the other intact', () => {
    const before = input('linkerd.input.yaml');
    const a = tapTemplate(before, spec({ session: 'lt-a', target: 'recv-a.logtap:3100' })).template;
    const ab = tapTemplate(a, spec({ session: 'lt-b', target: 'http://recv-b.logtap:4000' })).template;
    expect(ab.metadata!.annotations!['logtap.dev/tapped']).toBe('lt-a,lt-b');
    expect(ab.metadata!.annotations!['logtap.dev/target']).toBe('http://recv-b.logtap:4000');
    expect(ab.metadata!.annotations!['config.linkerd.io/skip-outbound-ports']).toBe('4222, 5432,3100,4000');
    expect(ab.metadata!.annotations!['logtap.dev/original']).toBe(
      a.metadata!.annotations!['logtap.dev/original'],
    );
    const onlyB = untapTemplate(ab, ['lt-a']).template;
    expect(onlyB.spec!.containers!.map((c) => c.name)).toEqual(['app', 'logtap-forwarder-lt-b']);
    expect(onlyB.metadata!.annotations!['config.linkerd.io/skip-outbound-ports']).toBe('4222, 5432,4000');
    expect(onlyB.metadata!.annotations!['logtap.dev/tapped']).toBe('lt-b');
    expect(readTapState(onlyB).sessions).toEqual(['lt-b']);
    expect(untapTemplate(onlyB, ['lt-b']).template).toEqual(before);
    expect(untapTemplate(ab, 'all').template).toEqual(before);
    expect(untapTemplate(untapTemplate(ab, ['lt-b']).template, ['lt-a']).template).toEqual(before);
  });

  test('a mesh list the user edited while tapped keeps the edit; only logtap ports are removed', () => {
    const before = input('linkerd.input.yaml');
    const tapped = tapTemplate(before, spec()).template;
    tapped.metadata!.annotations!['config.linkerd.io/skip-outbound-ports'] = '4222, 5432,3100,6379';
    const res = untapTemplate(tapped, 'all');
    expect(res.template.metadata!.annotations!['config.linkerd.io/skip-outbound-ports']).toBe(
      '4222,5432,6379',
    );
    expect(res.warnings).toEqual([
      "config.linkerd.io/skip-outbound-ports was changed while tapped; removed only logtap's ports from it",
    ]);
  });

  test('a port the user already excluded stays theirs', () => {
    const before = input('linkerd.input.yaml');
    const t = tapTemplate(before, spec({ target: 'recv:5432' })).template;
    expect(t.metadata!.annotations!['config.linkerd.io/skip-outbound-ports']).toBe('4222, 5432');
    expect(untapTemplate(t, 'all').template).toEqual(before);
  });

  test('idempotent: the same session twice, or untapping what is not tapped, changes nothing', () => {
    const before = input('plain.input.yaml');
    const once = tapTemplate(before, spec()).template;
    const twice = tapTemplate(once, spec());
    expect(twice.changed).toBe(false);
    expect(twice.template).toBe(once);
    expect(untapTemplate(before, 'all').changed).toBe(false);
    expect(untapTemplate(once, ['lt-other']).changed).toBe(false);
    expect(guardedPatch('1', '/spec/template', once, once)).toEqual([]);
  });

  test('an unreadable logtap.dev/original still removes the forwarder and says what it left', () => {
    const t = tapTemplate(input('linkerd.input.yaml'), spec()).template;
    t.metadata!.annotations!['logtap.dev/original'] = '{broken';
    const res = untapTemplate(t, 'all');
    expect(res.template.spec!.containers!.map((c) => c.name)).toEqual(['app']);
    expect(res.template.metadata!.annotations!['logtap.dev/tapped']).toBeUndefined();
    expect(res.warnings[0]).toContain('unreadable');
  });

  test('stale annotations (a session listed without a forwarder) are reported and cleaned', () => {
    const t = input('plain.input.yaml');
    t.metadata!.annotations = { 'logtap.dev/tapped': 'lt-gone', 'logtap.dev/target': 'http://x:1' };
    const st = readTapState(t);
    expect(st.stale).toEqual(['lt-gone']);
    const res = untapTemplate(t, 'all');
    expect(res.template.metadata!.annotations).toEqual({});
  });
});
