import { describe, expect, test } from '@jest/globals';
import { parseBytes, parseConfig, parseDurationMs } from './config.js';
import { ConfigError } from './errors.js';

const base = {
  LOGTAP_TARGET: 'logtap-receiver.logtap:3100',
  LOGTAP_SESSION: 'lt-0123456789abcdef',
  LOGTAP_POD_NAME: 'api-1',
  LOGTAP_NAMESPACE: 'shop',
};

describe('parseConfig', () => {
  test('what tap sets, with defaults for the rest', () => {
    const c = parseConfig({
      ...base,
      LOGTAP_POD_UID: 'uid-1',
      LOGTAP_NODE_NAME: 'node-a',
      LOGTAP_WORKLOAD_KIND: 'Deployment',
      LOGTAP_WORKLOAD_NAME: 'api',
      LOGTAP_HEALTH_PORT: '9092',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(c).toMatchObject({
      target: 'http://logtap-receiver.logtap:3100',
      session: 'lt-0123456789abcdef',
      podName: 'api-1',
      namespace: 'shop',
      podUid: 'uid-1',
      nodeName: 'node-a',
      workloadKind: 'Deployment',
      workloadName: 'api',
      healthPort: 9092,
      batchBytes: 512 * 1024,
      batchWaitMs: 500,
      bufferBytes: 8 * 1024 * 1024,
      tlsSkipVerify: false,
      logLevel: 'info',
      kubeconfig: undefined,
      kubernetesServiceHost: '10.0.0.1',
    });
  });

  test('tunables with units; the original LOGTAP_BUFFER_SIZE still works', () => {
    const c = parseConfig({
      ...base,
      LOGTAP_TARGET: 'https://rx.example.com/logtap/',
      LOGTAP_BATCH_BYTES: '64KiB',
      LOGTAP_BATCH_WAIT: '2s',
      LOGTAP_BUFFER_SIZE: '1048576',
      LOGTAP_POLL_INTERVAL: '250ms',
      LOGTAP_TLS_SKIP_VERIFY: 'true',
      LOGTAP_LOG_LEVEL: 'WARN',
    });
    expect(c).toMatchObject({
      target: 'https://rx.example.com/logtap',
      batchBytes: 65536,
      batchWaitMs: 2000,
      bufferBytes: 1048576,
      pollIntervalMs: 250,
      tlsSkipVerify: true,
      logLevel: 'warn',
    });
  });

  test('every problem is reported at once, by variable name', () => {
    let err: unknown;
    try {
      parseConfig({
        LOGTAP_TARGET: 'ftp://x:1',
        LOGTAP_NAMESPACE: 'shop',
        LOGTAP_BATCH_WAIT: 'soon',
        LOGTAP_TLS_SKIP_VERIFY: 'maybe',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('FORWARDER_CONFIG');
    expect(e.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('LOGTAP_TARGET=ftp://x:1'),
        'LOGTAP_SESSION is required',
        'LOGTAP_POD_NAME is required',
        expect.stringContaining('LOGTAP_BATCH_WAIT=soon'),
        expect.stringContaining('LOGTAP_TLS_SKIP_VERIFY=maybe'),
      ]),
    );
  });

  test('the buffer must hold two batches', () => {
    expect(() => parseConfig({ ...base, LOGTAP_BATCH_BYTES: '1MiB', LOGTAP_BUFFER_BYTES: '1MiB' })).toThrow(
      /LOGTAP_BUFFER_BYTES=1MiB must be at least twice LOGTAP_BATCH_BYTES/,
    );
  });

  test('sizes and durations', () => {
    expect(parseBytes('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseBytes('8Mi')).toBe(8 * 1024 * 1024);
    expect(parseBytes('1.5k')).toBe(1500);
    expect(parseBytes('12')).toBe(12);
    expect(parseBytes('12 parsecs')).toBeUndefined();
    expect(parseDurationMs('1500')).toBe(1500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('-1s')).toBeUndefined();
  });
});
