/** A counter or gauge with at most one label (Prometheus text exposition, format 0.0.4). */
export class Metric {
  readonly #values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    readonly label?: string,
  ) {}

  inc(n = 1, labelValue = ''): void {
    this.#values.set(labelValue, (this.#values.get(labelValue) ?? 0) + n);
  }

  set(n: number, labelValue = ''): void {
    this.#values.set(labelValue, n);
  }

  get(labelValue = ''): number {
    return this.#values.get(labelValue) ?? 0;
  }

  /** Sum over every label value. */
  total(): number {
    let t = 0;
    for (const v of this.#values.values()) t += v;
    return t;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.#values.size === 0 && this.label === undefined) lines.push(`${this.name} 0`);
    for (const [k, v] of [...this.#values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      lines.push(
        this.label === undefined
          ? `${this.name} ${v}`
          : `${this.name}{${this.label}="${escapeLabelValue(k)}"} ${v}`,
      );
    }
    return lines.join('\n');
  }
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Every number the forwarder exposes on /metrics. */
export class ForwarderMetrics {
  readonly linesRead = new Metric(
    'logtap_forwarder_lines_read_total',
    'New log lines read from the Kubernetes API, per container.',
    'counter',
    'container',
  );
  readonly bytesRead = new Metric(
    'logtap_forwarder_bytes_read_total',
    'Bytes of new log lines (messages, UTF-8) read, per container.',
    'counter',
    'container',
  );
  readonly duplicates = new Metric(
    'logtap_forwarder_duplicates_skipped_total',
    'Lines read again after a reconnect (sinceTime has second precision) and dropped, per container.',
    'counter',
    'container',
  );
  readonly truncated = new Metric(
    'logtap_forwarder_lines_truncated_total',
    'Lines longer than LOGTAP_MAX_LINE_BYTES, cut to that length, per container.',
    'counter',
    'container',
  );
  readonly reconnects = new Metric(
    'logtap_forwarder_stream_reconnects_total',
    'Log streams opened again after one ended or broke, per container.',
    'counter',
    'container',
  );
  readonly streamErrors = new Metric(
    'logtap_forwarder_stream_errors_total',
    'Log streams that failed to open or broke mid-way, per container.',
    'counter',
    'container',
  );
  readonly missedRuns = new Metric(
    'logtap_forwarder_runs_missed_total',
    'Container runs whose end could not be read (the container restarted twice while the API was unreachable).',
    'counter',
    'container',
  );
  readonly pausedSeconds = new Metric(
    'logtap_forwarder_read_paused_seconds_total',
    'Time reading waited for the push buffer to drain (a receiver slower than the logs).',
    'counter',
  );
  readonly streamsOpen = new Metric('logtap_forwarder_streams_open', 'Log streams currently open.', 'gauge');
  readonly kubeErrors = new Metric(
    'logtap_forwarder_kube_errors_total',
    'Failed GETs of the own pod.',
    'counter',
  );
  readonly pushes = new Metric(
    'logtap_forwarder_pushes_total',
    'Push requests by outcome: the HTTP status, or "network" for connection errors and timeouts.',
    'counter',
    'status',
  );
  readonly retries = new Metric(
    'logtap_forwarder_retries_total',
    'Pushes retried after a failure.',
    'counter',
  );
  readonly linesSent = new Metric(
    'logtap_forwarder_lines_sent_total',
    'Lines the receiver accepted (2xx).',
    'counter',
  );
  readonly bytesSent = new Metric(
    'logtap_forwarder_bytes_sent_total',
    'Bytes of lines the receiver accepted (messages, UTF-8).',
    'counter',
  );
  readonly bodyBytesSent = new Metric(
    'logtap_forwarder_body_bytes_sent_total',
    'Bytes of accepted push bodies (protobuf + snappy) on the wire.',
    'counter',
  );
  readonly bufferBytes = new Metric(
    'logtap_forwarder_buffer_usage_bytes',
    'Bytes of encoded batches waiting to be pushed or retried.',
    'gauge',
  );
  readonly bufferCapacity = new Metric(
    'logtap_forwarder_buffer_capacity_bytes',
    'Bound of the retry buffer (LOGTAP_BUFFER_BYTES).',
    'gauge',
  );
  readonly bufferBatches = new Metric(
    'logtap_forwarder_buffer_batches',
    'Batches waiting to be pushed or retried.',
    'gauge',
  );
  readonly drops = new Metric(
    'logtap_forwarder_drops_total',
    'Batches dropped, by reason: buffer_full (oldest evicted), rejected (4xx), shutdown (unsent at exit).',
    'counter',
    'reason',
  );
  readonly droppedLines = new Metric(
    'logtap_forwarder_dropped_lines_total',
    'Lines in dropped batches, by reason.',
    'counter',
    'reason',
  );
  readonly lastPush = new Metric(
    'logtap_forwarder_last_push_timestamp_seconds',
    'Unix time of the last push the receiver accepted.',
    'gauge',
  );

  render(): string {
    const all = Object.values(this).filter((m): m is Metric => m instanceof Metric);
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
