/** Buffer's per-encoding string slicers, shared by the scan and triage's line reader. */

export type Slicer = (this: Buffer, start: number, end: number) => string;
// Buffer's per-encoding slicers skip toString's encoding dispatch (the capture reader measured ~20%).
const proto = Buffer.prototype as unknown as { latin1Slice?: Slicer; utf8Slice?: Slicer };
export const latin1: Slicer =
  proto.latin1Slice ??
  function (this: Buffer, s, e) {
    return this.toString('latin1', s, e);
  };
export const utf8: Slicer =
  proto.utf8Slice ??
  function (this: Buffer, s, e) {
    return this.toString('utf8', s, e);
  };
