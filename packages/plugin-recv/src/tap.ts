import type { Sink } from '@logtap/receiver';
import type { RecentLines } from '@logtap/tui/recent';

/**
 * A Sink that also hands every accepted batch to the live view; what the sink answers is unchanged.
 * It takes serialised batches whenever the inner sink does, so the receiver keeps its fast path with the
 * view attached (columnar decode, lines serialised from their wire bytes, redaction threads): per batch
 * the view costs a histogram of its label-set column and a copy of its newest few hundred lines, taken
 * before the batch's buffers move to the writer thread.
 */
export function tapSink(sink: Sink, recent: RecentLines): Sink {
  const tapped: Sink = {
    append(entries) {
      const ok = sink.append(entries);
      if (ok) recent.offer(entries);
      return ok;
    },
    stats: () => sink.stats(),
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
  const appendEncoded = sink.appendEncoded?.bind(sink);
  if (appendEncoded) {
    tapped.appendEncoded = (batch) => {
      // Sampled first: an accepted batch is transferred to the writer thread (its buffers detached).
      const sample = recent.sampleEncoded(batch);
      const ok = appendEncoded(batch);
      if (ok) recent.offerSample(sample);
      return ok;
    };
  }
  if (sink.setCounters) tapped.setCounters = (c) => sink.setCounters!(c);
  if (sink.audit) tapped.audit = (event, fields) => sink.audit!(event, fields);
  return tapped;
}
