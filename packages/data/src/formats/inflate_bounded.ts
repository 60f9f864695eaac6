// Bounded decompression (gzip or raw deflate, through zlib): a prefix is inflated first to read the
// format's own header, which declares how many bytes may follow; the full inflate stops past that, so a
// small file of zeros (a "zip bomb") is refused without allocating what it would expand to, and so is a
// header that declares more than the caller's budget (maxDecodedBytes, see input_limits).
import * as zlib from 'zlib';
import { byteLimitError } from './input_limits';
import type { InputLimits } from './input_limits';

/** The prefix pass never produces more than this (a header and a little data). */
const PREFIX_OUTPUT = 16 * 2 ** 20;

function inflate(data: Uint8Array, format: 'gzip' | 'raw', options: zlib.ZlibOptions): Buffer {
  return format === 'gzip' ? zlib.gunzipSync(data, options) : zlib.inflateRawSync(data, options);
}

/**
 * Inflates `data` ('gzip' stream or 'raw' deflate). `limit(head)` gets the first bytes of the output (at
 * least `headBytes` of them unless the whole output is shorter) and returns how many bytes the output may
 * have; more than `budget` bytes fails before inflating (`fail("its header declares N bytes ... over the
 * limit of M (maxDecodedBytes, ...)")`), and inflating past `limit` fails with `fail("decompresses past the N
 * bytes its header declares ...")`. Corrupt data fails with `fail("corrupt <format> data (...)")`.
 */
export function inflateBounded(
  data: Uint8Array,
  format: 'gzip' | 'raw',
  headBytes: number,
  limit: (head: Buffer) => number,
  fail: (msg: string) => never,
  budget: Pick<InputLimits, 'maxDecodedBytes'>,
): Buffer {
  const what = format === 'gzip' ? 'gzip' : 'deflate';
  const corrupt = (e: unknown): never => fail(`corrupt ${what} data (${(e as Error).message})`);
  // Pass 1: inflate ever longer prefixes (a truncated stream is fine under Z_SYNC_FLUSH) until the header is out.
  let head: Buffer = Buffer.alloc(0);
  for (let k = Math.min(data.length, 1024); ; k = Math.min(data.length, k * 4)) {
    try {
      head = inflate(data.subarray(0, k), format, {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: PREFIX_OUTPUT,
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') corrupt(e);
      break; // over 16 MiB from a prefix: the header is long out; the bound below decides
    }
    if (head.length >= headBytes || k === data.length) break;
  }
  // A stream whose whole output is shorter than a header: pass 2 reports it (corrupt, or short).
  const declared = head.length < headBytes ? PREFIX_OUTPUT : limit(head.subarray(0, headBytes));
  const over = head.length < headBytes ? null : byteLimitError(declared, budget, 'its header declares that it');
  if (over !== null) fail(over);
  const max = Math.min(declared, budget.maxDecodedBytes);
  // Pass 2: the whole stream, stopped by zlib as soon as the output passes the bound.
  try {
    return inflate(data, format, { maxOutputLength: Math.max(1, max) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      fail(`decompresses past the ${max} bytes its header declares; refusing to inflate further`);
    return corrupt(e);
  }
}
