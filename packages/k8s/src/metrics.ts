/** One sample of the Prometheus text exposition format (version 0.0.4). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    default:
      return Number(text);
  }
}

/**
 * Parses Prometheus text exposition: comments and `# HELP`/`# TYPE` lines are skipped, label values
 * unescape `\\`, `\"` and `\n`, an optional timestamp after the value is ignored. Malformed lines are
 * skipped rather than failing the whole scrape (a status view should show what it can).
 */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = NAME.exec(line);
    if (!m) continue;
    const name = m[0];
    let i = name.length;
    const labels: Record<string, string> = Object.create(null);
    if (line[i] === '{') {
      i++;
      let ok = true;
      while (i < line.length && line[i] !== '}') {
        while (line[i] === ' ' || line[i] === ',') i++;
        if (line[i] === '}') break;
        const lm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
        if (!lm) {
          ok = false;
          break;
        }
        i += lm[0].length;
        while (line[i] === ' ') i++;
        if (line[i] !== '=' || line[i + 1] !== '"') {
          ok = false;
          break;
        }
        i += 2;
        let v = '';
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\') {
            const n = line[i + 1];
            v += n === 'n' ? '\n' : (n ?? '');
            i += 2;
          } else v += line[i++];
        }
        if (line[i] !== '"') {
          ok = false;
          break;
        }
        i++;
        labels[lm[0]] = v;
      }
      if (!ok || line[i] !== '}') continue;
      i++;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest[0] === undefined || rest[0] === '') continue;
    const value = parseValue(rest[0]);
    if (Number.isNaN(value) && rest[0] !== 'NaN') continue;
    out.push({ name, labels, value });
  }
  return out;
}

/** The receiver counters `status` shows, from its /metrics. */
export interface ReceiverCounters {
  linesReceived: number | undefined;
  linesDropped: number | undefined;
  droppedByReason: Record<string, number>;
  diskUsageBytes: number | undefined;
}

const sum = (samples: Sample[], name: string) => {
  const hits = samples.filter((s) => s.name === name);
  return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
};

/** Extracts logtap_lines_received_total, logtap_lines_dropped_total{reason} and logtap_disk_usage_bytes. */
export function receiverCounters(samples: Sample[]): ReceiverCounters {
  const droppedByReason: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== 'logtap_lines_dropped_total') continue;
    const reason = s.labels.reason ?? 'unknown';
    droppedByReason[reason] = (droppedByReason[reason] ?? 0) + s.value;
  }
  return {
    linesReceived: sum(samples, 'logtap_lines_received_total'),
    linesDropped: sum(samples, 'logtap_lines_dropped_total'),
    droppedByReason,
    diskUsageBytes: sum(samples, 'logtap_disk_usage_bytes'),
  };
}

export interface ReceiverProbe {
  /** The URL scraped. */
  url: string;
  ok: boolean;
  error?: string;
  counters?: ReceiverCounters;
}

/**
 * Scrapes a receiver's /metrics. `base` is a target URL (`http://host:port[/path]`); the probe never
 * throws: an unreachable receiver (common: the target is a cluster-internal name) is reported as such.
 */
export async function probeReceiver(
  base: string,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<ReceiverProbe> {
  const url = `${base.replace(/\/+$/, '')}/metrics`;
  const f = opts.fetch ?? fetch;
  try {
    const res = await f(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 3000) });
    if (!res.ok) return { url, ok: false, error: `HTTP ${res.status}` };
    return { url, ok: true, counters: receiverCounters(parsePrometheusText(await res.text())) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { url, ok: false, error: reason };
  }
}
