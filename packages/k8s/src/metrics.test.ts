import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from '@jest/globals';
import { parsePrometheusText, probeReceiver, receiverCounters } from './metrics.js';

const EXPOSITION = `# HELP logtap_lines_received_total Lines received.
# TYPE logtap_lines_received_total counter
logtap_lines_received_total 123456
# TYPE logtap_lines_dropped_total counter
logtap_lines_dropped_total{reason="queue_full"} 40
logtap_lines_dropped_total{reason="disk_cap",stream="a \\"b\\"\\nc"} 2 1700000000000
logtap_disk_usage_bytes 1.048576e+06
logtap_push_duration_seconds_bucket{le="+Inf"} 9
broken{ 1
`;

describe('Prometheus text', () => {
  test('parses samples, labels with escapes, exponents, +Inf and timestamps; skips broken lines', () => {
    const s = parsePrometheusText(EXPOSITION);
    expect(s).toHaveLength(5);
    expect(s[2]).toEqual({
      name: 'logtap_lines_dropped_total',
      labels: { reason: 'disk_cap', stream: 'a "b"\nc' },
      value: 2,
    });
    expect(s[4]!.labels.le).toBe('+Inf');
    expect(receiverCounters(s)).toEqual({
      linesReceived: 123456,
      linesDropped: 42,
      droppedByReason: { queue_full: 40, disk_cap: 2 },
      diskUsageBytes: 1048576,
    });
  });

  test('probeReceiver scrapes /metrics and reports an unreachable receiver without throwing', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') res.end(EXPOSITION);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await probeReceiver(`http://127.0.0.1:${port}`);
      expect(ok).toMatchObject({
        ok: true,
        url: `http://127.0.0.1:${port}/metrics`,
        counters: { linesReceived: 123456 },
      });
      const bad = await probeReceiver(`http://127.0.0.1:${port}/nope`);
      expect(bad).toMatchObject({ ok: false, error: 'HTTP 404' });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await probeReceiver(`http://127.0.0.1:${freePort}`, { timeoutMs: 1000 });
    expect(down).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  });
});
