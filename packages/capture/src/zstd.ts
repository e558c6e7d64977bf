/**
 * Thin wrappers over zstd-napi's low-level binding: a frame compressor fed incrementally (one independent
 * frame per flush) and a push-style streaming decoder that reports where each frame ends. The high-level
 * stream classes would allocate a Buffer per 128 KiB and hide frame boundaries, which recovery and the
 * reader's resume both need.
 */

import binding from 'zstd-napi/binding.js';

/** zstd's compression level range. */
export const MIN_ZSTD_LEVEL = binding.minCLevel();
export const MAX_ZSTD_LEVEL = binding.maxCLevel();

const OUT_SLACK = binding.cStreamOutSize();

/**
 * Compresses one frame at a time from data pushed in pieces. `end()` closes the frame (with a content
 * checksum, so `zstd -t` and readers detect corruption) and returns its bytes.
 */
export class FrameCompressor {
  readonly #cctx = new binding.CCtx();
  #out: Buffer;
  #outLen = 0;
  #inLen = 0;

  constructor(level: number) {
    this.#cctx.setParameter(binding.CParameter.compressionLevel, level);
    this.#cctx.setParameter(binding.CParameter.checksumFlag, 1);
    this.#out = Buffer.allocUnsafe(1 << 20);
  }

  /** Uncompressed bytes in the open frame. */
  get inputBytes(): number {
    return this.#inLen;
  }

  /** Compresses `src` into the open frame (opening one if needed). */
  write(src: Uint8Array): void {
    let pos = 0;
    this.#inLen += src.length;
    while (pos < src.length) {
      this.#ensureSpace();
      const [, produced, consumed] = this.#cctx.compressStream2(
        this.#out.subarray(this.#outLen),
        pos === 0 ? src : src.subarray(pos),
        binding.EndDirective.continue,
      );
      this.#outLen += produced;
      pos += consumed;
    }
  }

  /**
   * Ends the open frame and returns it. The returned view is valid until the next `write`/`end`/`discard`.
   * Returns an empty array when nothing was written since the last end.
   */
  end(): Uint8Array {
    if (this.#inLen === 0) return new Uint8Array(0);
    const empty = new Uint8Array(0);
    for (;;) {
      this.#ensureSpace();
      const [remaining, produced] = this.#cctx.compressStream2(
        this.#out.subarray(this.#outLen),
        empty,
        binding.EndDirective.end,
      );
      this.#outLen += produced;
      if (remaining === 0) break;
    }
    const frame = this.#out.subarray(0, this.#outLen);
    this.#outLen = 0;
    this.#inLen = 0;
    return frame;
  }

  /** Drops the open frame. */
  discard(): void {
    this.#cctx.reset(binding.ResetDirective.sessionOnly);
    this.#outLen = 0;
    this.#inLen = 0;
  }

  #ensureSpace(): void {
    if (this.#out.length - this.#outLen >= OUT_SLACK) return;
    const bigger = Buffer.allocUnsafe(this.#out.length * 2);
    this.#out.copy(bigger, 0, 0, this.#outLen);
    this.#out = bigger;
  }
}

/** Receives what {@link FrameDecoder.push} decodes. Data views are only valid during the call. */
export interface DecodeSink {
  data(chunk: Buffer): void;
  /** A frame ended `offset` bytes into the compressed stream (counted from the decoder's start). */
  frameEnd(offset: number): void;
}

/** Incremental zstd decoder that knows where frames end. One per file being read. */
export class FrameDecoder {
  readonly #dctx = new binding.DCtx();
  readonly #out: Buffer;
  #consumed = 0;
  #inFrame = false;

  constructor(outBytes = 512 << 10) {
    this.#out = Buffer.allocUnsafe(outBytes);
  }

  /** Compressed bytes consumed so far. */
  get consumed(): number {
    return this.#consumed;
  }

  /** True when the input so far ends inside a frame (more input is needed to finish it). */
  get inFrame(): boolean {
    return this.#inFrame;
  }

  /** Decodes `src` completely, calling the sink for output and frame ends. Throws on corrupt input. */
  push(src: Uint8Array, sink: DecodeSink): void {
    let pos = 0;
    for (;;) {
      const [ret, produced, consumed] = this.#dctx.decompressStream(
        this.#out,
        pos === 0 ? src : src.subarray(pos),
      );
      pos += consumed;
      this.#consumed += consumed;
      if (produced > 0) sink.data(this.#out.subarray(0, produced));
      if (ret === 0) {
        this.#inFrame = false;
        // A frame only counts once some of it was consumed (an empty push reports nothing).
        if (consumed > 0 || produced > 0) sink.frameEnd(this.#consumed);
      } else {
        this.#inFrame = true;
      }
      if (pos >= src.length && (produced < this.#out.length || ret === 0)) break;
      if (consumed === 0 && produced === 0 && ret !== 0) throw new Error('zstd decoder made no progress');
    }
  }

  /** Forgets any partial frame and restarts counting at `offset` (for reading a new byte range). */
  reset(offset = 0): void {
    this.#dctx.reset(binding.ResetDirective.sessionOnly);
    this.#consumed = offset;
    this.#inFrame = false;
  }
}
