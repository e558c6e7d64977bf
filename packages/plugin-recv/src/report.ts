import type { ReceiverStats } from '@logtap/receiver';
import type { RecvConfig } from './config.js';
import type { RecvSummary } from './run.js';
import { formatBytes, formatDuration } from './units.js';

/** The structured lines `recv` prints on stderr: `logtap recv: key=value ...` (logfmt after the prefix). */
const PREFIX = 'logtap recv:';

export function startLine(
  config: RecvConfig,
  url: string,
  redactor: { rules: readonly string[] } | undefined,
): string {
  return (
    `${PREFIX} listening on ${url}` +
    ` dir=${quote(config.dir)} on_full=${config.onFull} buffer=${formatBytes(config.bufferBytes)}` +
    ` max_disk=${formatBytes(config.maxDiskBytes)} max_file=${formatBytes(config.maxFileBytes)}` +
    ` auth=${config.authToken === undefined ? 'off' : 'bearer'} tls=${config.tls === undefined ? 'off' : 'on'}` +
    ` redaction=${redactionText(redactor, config.redactLabels)}` +
    (config.liveToken === undefined ? '' : ' live=/logtap/v1/live')
  );
}

export function progressLine(
  s: ReceiverStats,
  previous: { at: number; stats: ReceiverStats },
  now: number,
  config: RecvConfig,
): string {
  const seconds = Math.max((now - previous.at) / 1000, 0.001);
  const linesPerSec = (s.linesWritten - previous.stats.linesWritten) / seconds;
  const bytesPerSec = (s.bytesWritten - previous.stats.bytesWritten) / seconds;
  const queuePct = s.queueCapacityBytes > 0 ? Math.round((s.queueBytes / s.queueCapacityBytes) * 100) : 0;
  const p99 = s.pushDurationSeconds.p99;
  return (
    `${PREFIX} progress t=${formatDuration(s.uptimeMs)}` +
    ` received=${s.linesReceived} written=${s.linesWritten} dropped=${s.linesDropped}` +
    ` rejected=${s.linesRejected} invalid=${s.linesInvalid}` +
    ` lines_per_s=${Math.round(linesPerSec)} mb_per_s=${(bytesPerSec / 1e6).toFixed(1)}` +
    ` queue=${formatBytes(s.queueBytes)} queue_pct=${queuePct}` +
    ` disk=${formatBytes(s.diskBytes)} disk_pct=${Math.round((s.diskBytes / config.maxDiskBytes) * 100)}` +
    ` rotations=${s.rotations} evictions=${s.evictions} pushes=${s.pushes}` +
    ` p99_ms=${Number.isNaN(p99) ? 0 : (p99 * 1000).toFixed(1)}` +
    ` redaction=${s.redaction.enabled ? 'on' : 'off'}`
  );
}

export function summaryLines(s: RecvSummary): string[] {
  const reasons = Object.entries(s.droppedByReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason}=${n}`)
    .join(' ');
  const lines = [
    `${PREFIX} stopped after ${formatDuration(s.durationMs)}; capture ${quote(s.dir)} closed`,
    `${PREFIX} summary received=${s.linesReceived} written=${s.linesWritten} dropped=${s.linesDropped}` +
      `${reasons === '' ? '' : ` (${reasons})`} rejected=${s.linesRejected} invalid=${s.linesInvalid}` +
      ` truncated=${s.linesTruncated} pushes=${s.pushes}`,
    `${PREFIX} summary bytes_received=${s.bytesReceived} bytes_written=${s.bytesWritten}` +
      ` disk=${formatBytes(s.diskBytes)} rotations=${s.rotations} evictions=${s.evictions}`,
  ];
  if (s.droppedByStream.length > 0) {
    lines.push(
      `${PREFIX} dropped by stream: ${s.droppedByStream
        .slice(0, 5)
        .map((d) => `${d.stream}=${d.lines}`)
        .join(' ')}`,
    );
  }
  if (s.redaction.enabled) {
    const hits = Object.entries(s.redaction.hits)
      .filter(([, n]) => n > 0)
      .map(([rule, n]) => `${rule}=${n}`)
      .join(' ');
    lines.push(`${PREFIX} redactions ${hits === '' ? 'none' : hits}`);
  }
  return lines;
}

function redactionText(redactor: { rules: readonly string[] } | undefined, labels: boolean): string {
  if (redactor === undefined) return 'off';
  return `on(rules=${redactor.rules.length},labels=${labels ? 'on' : 'off'})`;
}

function quote(text: string): string {
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}
