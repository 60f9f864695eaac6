// Reads a whole file for a decoder, with the reader's name and the file in the error (e.g.
// "readNpy x.npy: ENOENT ..."), refusing a file larger than the decoded-bytes limit before reading it.
import * as fs from 'fs';
import { InputLimits, byteLimitError } from './input_limits';

/** The bytes of `file`; a failure, or a file over `limits.maxDecodedBytes`, throws `${reader} ${file}: <reason>`. */
export function readBytes(file: string, reader: string, limits: Pick<InputLimits, 'maxDecodedBytes'>): Buffer {
  let over: string | null;
  try {
    over = byteLimitError(fs.statSync(file).size, limits, 'the file');
    if (over === null) return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${reader} ${file}: ${(e as Error).message}`);
  }
  throw new Error(`${reader} ${file}: ${over}`);
}
