// The document of GET /logtap/v1/live as `recv --live-token` answers it and `recv --in-cluster` reads it:
// @logtap/receiver adds `stats` (its ReceiverStats) around the `feed` built by live-feed.ts. Validated with
// zod where it comes in (remote-live.ts); only the fields the live view uses are required.
import { z } from 'zod';

/** One sampled line: [seq, ts (ns since the epoch, decimal), index into `sets`, message]. */
export type WireLine = [seq: number, ts: string, set: number, msg: string];

/** What the receiver's `live.feed` returns (the `feed` member of the document). */
export interface LiveFeedDoc {
  /** Identifies this feed's life: when it changes the receiver restarted and sequence numbers began again. */
  epoch: string;
  /** The newest sequence number given to a line so far (the client's next `after`). */
  seq: number;
  /** The oldest sequence number still kept; lines between the client's `after` and it were not sampled. */
  oldest: number;
  /** Lines per service since the receiver started: the busiest recently and overall (bounded). */
  services: Array<[service: string, lines: number]>;
  /** Label sets of the lines below. */
  sets: Array<Record<string, string>>;
  /** Lines after the asked `after`, oldest first (the newest of them when there are more). */
  lines: WireLine[];
}

const count = z.number().finite().nonnegative();

export const liveFeedSchema = z.object({
  epoch: z.string().max(64),
  seq: z.number().int().nonnegative(),
  oldest: z.number().int().nonnegative(),
  services: z.array(z.tuple([z.string(), count])).max(10_000),
  sets: z.array(z.record(z.string(), z.string())).max(10_000),
  lines: z
    .array(
      z.tuple([
        z.number().int().nonnegative(),
        z.string().regex(/^\d{1,20}$/),
        z.number().int().nonnegative(),
        z.string(),
      ]),
    )
    .max(10_000),
});

/** The receiver's counters the live view shows (a subset of @logtap/receiver's ReceiverStats). */
export const liveStatsSchema = z.object({
  state: z.string(),
  inflightPushes: count,
  linesReceived: count,
  bytesReceived: count,
  linesDropped: count,
  linesRejected: count,
  diskBytes: count,
  redaction: z.object({
    enabled: z.boolean(),
    rules: z.array(z.string()),
    hits: z.record(z.string(), count),
  }),
});

export const liveDocSchema = z.object({
  api: z.literal(1),
  at: z.number(),
  stats: liveStatsSchema,
  feed: liveFeedSchema.nullable(),
});

export type LiveDoc = z.infer<typeof liveDocSchema>;
export type RemoteStats = z.infer<typeof liveStatsSchema>;
