import { describe, expect, test } from '@jest/globals';
import { appOf, isForwarded, podView } from './pod.js';

describe('podView', () => {
  test('containers in start order with their runs; grace period; labels', () => {
    const v = podView({
      metadata: { uid: 'u1', labels: { app: 'shop' } },
      spec: {
        nodeName: 'n1',
        terminationGracePeriodSeconds: 45,
        initContainers: [{ name: 'migrate' }],
        containers: [{ name: 'app' }, { name: 'sidecar' }, { name: 'logtap-forwarder-lt-1' }],
      },
      status: {
        phase: 'Running',
        initContainerStatuses: [
          {
            name: 'migrate',
            containerID: 'cri://m',
            restartCount: 0,
            state: { terminated: { exitCode: 0 } },
          },
        ],
        containerStatuses: [
          {
            name: 'app',
            containerID: 'cri://a2',
            restartCount: 1,
            state: { running: {} },
            lastState: { terminated: { containerID: 'cri://a1', finishedAt: '2026-01-01T00:00:05Z' } },
          },
          { name: 'sidecar', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    });
    expect(v).toMatchObject({ uid: 'u1', nodeName: 'n1', phase: 'Running', gracePeriodSeconds: 45 });
    expect(v.containers.map((c) => [c.name, c.init, c.state, c.instance, c.previousInstance])).toEqual([
      ['migrate', true, 'terminated', 'cri://m', undefined],
      ['app', false, 'running', 'cri://a2', 'cri://a1'],
      ['sidecar', false, 'waiting', '#0', undefined],
      ['logtap-forwarder-lt-1', false, 'waiting', '#0', undefined],
    ]);
    expect(v.containers[1]!.lastFinishedAt).toBe(1_767_225_605n * 1_000_000_000n);
    expect(v.containers.filter(isForwarded).map((c) => c.name)).toEqual(['migrate', 'app', 'sidecar']);
  });

  test('a pod being deleted uses its deletion grace period', () => {
    expect(
      podView({ metadata: { deletionGracePeriodSeconds: 5 }, spec: { terminationGracePeriodSeconds: 60 } })
        .gracePeriodSeconds,
    ).toBe(5);
    expect(podView({}).gracePeriodSeconds).toBe(30);
  });

  test('app label precedence', () => {
    expect(appOf({ 'app.kubernetes.io/name': 'a', app: 'b' }, 'w')).toBe('a');
    expect(appOf({ app: 'b', 'k8s-app': 'c' }, 'w')).toBe('b');
    expect(appOf({ 'k8s-app': 'c' }, 'w')).toBe('c');
    expect(appOf({}, 'w')).toBe('w');
  });
});
