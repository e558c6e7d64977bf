import {
  type Capture,
  CaptureWriter,
  captureTimeContext,
  type EntryFilter,
  type LabelMatcher,
  openCapture,
  parseLabelSelector,
  parseMessagePattern,
  parseTimeRange,
  readEntries,
} from '@logtap/capture';
import {
  type PickerItem,
  type ReplayHeader,
  type ReplaySource,
  SERVICE_LABEL_KEYS,
  type TuiEntry,
  writeEntriesAsCapture,
} from '@logtap/tui';

/** What `logtap open` was asked for, as typed. */
export interface OpenRequest {
  dir: string;
  from?: string | undefined;
  to?: string | undefined;
  /** Label selectors (`app=web`, `{app="web",pod=~"x.*"}`); all must match. */
  labels?: readonly string[] | undefined;
  /** Regex searched in the message. */
  grep?: string | undefined;
}

/** Everything the replay view needs for one capture. */
export interface PreparedReplay {
  capture: Capture;
  filter: EntryFilter;
  source: ReplaySource;
  header: ReplayHeader;
}

/**
 * The per-service line counts for the picker, from the index's label counts: the first service label key
 * (see serviceOf) that the index counts, when its counts cover every indexed line, so that each line's
 * service is exactly that label's value. Undefined when that cannot be known without reading the data.
 */
export function servicesFromIndex(cap: Capture): PickerItem[] | undefined {
  if (cap.files.some((f) => f.index === undefined) || cap.index.length === 0) return undefined;
  for (const key of SERVICE_LABEL_KEYS) {
    const counts = new Map<string, number>();
    let covered = 0;
    let present = false;
    for (const e of cap.index) {
      if (e.labelsOverflow?.includes(key)) return undefined;
      const values = e.labels?.[key];
      if (!values) continue;
      present = true;
      for (const [v, n] of Object.entries(values)) {
        if (v === '') continue;
        counts.set(v, (counts.get(v) ?? 0) + n);
        covered += n;
      }
    }
    if (!present) continue;
    if (covered !== cap.indexedLines) return undefined;
    return [...counts].map(([service, lines]) => ({ service, lines }));
  }
  return undefined;
}

/** Opens the capture and turns the request into a filter and a streaming replay source. */
export async function prepareReplay(req: OpenRequest): Promise<PreparedReplay> {
  const capture = await openCapture(req.dir);
  const range = parseTimeRange(req.from, req.to, captureTimeContext(capture));
  const labels: LabelMatcher[] = (req.labels ?? []).flatMap((l) => parseLabelSelector(l));
  const filter: EntryFilter = {
    ...range,
    ...(labels.length > 0 ? { labels } : {}),
    ...(req.grep !== undefined ? { msg: parseMessagePattern(req.grep) } : {}),
  };
  const filtered =
    labels.length > 0 || req.grep !== undefined || range.from !== undefined || range.to !== undefined;
  const hasOrphans = capture.files.some((f) => f.index === undefined);
  const from = range.from ?? capture.from;
  const to = range.to ?? capture.to;
  const total = filtered || hasOrphans ? undefined : capture.indexedLines;
  const services = labels.length > 0 ? undefined : servicesFromIndex(capture);
  const source: ReplaySource = {
    total,
    span: from !== undefined && to !== undefined ? { from, to } : undefined,
    ...(services ? { services: async () => services } : {}),
    entries: (signal) => readEntries(capture, filter, { signal }),
  };
  return { capture, filter, source, header: { captureDir: req.dir, from, to, lines: total } };
}

/** `w`: writes the filtered lines as a new capture directory (refuses an existing one). */
export function writeFilteredCapture(
  dir: string,
  entries: readonly TuiEntry[],
): Promise<{ dir: string; lines: number }> {
  return writeEntriesAsCapture((d) => CaptureWriter.open(d, { worker: false }), dir, entries);
}
