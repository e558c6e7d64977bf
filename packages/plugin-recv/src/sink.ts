import type { CaptureWriter } from '@logtap/capture';
import type { Sink } from '@logtap/receiver';

/** Presents a CaptureWriter as the receiver's Sink (the writer's stats under the receiver's names). */
export function writerSink(writer: CaptureWriter): Sink {
  return {
    append: (entries) => writer.append(entries),
    // The receiver serialises pushes itself (a Loki protobuf line goes from its wire bytes to the data
    // line) and the writer thread only compresses and writes.
    appendEncoded: (batch) => writer.appendEncoded(batch),
    stats: () => {
      const s = writer.stats();
      return {
        linesWritten: s.writtenLines,
        bytesWritten: s.writtenBytes,
        pendingBytes: s.pendingBytes,
        diskBytes: s.diskBytes,
        rotations: s.rotations,
        evictions: s.evictions.files,
        // Accepted, then lost in the writer: no room under the disk cap or free-space mark, or an I/O error.
        linesLost: s.droppedLines,
      };
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
    setCounters: (counters) => writer.setCounters(counters),
    audit: (event, fields) => writer.audit(event, fields),
  };
}
