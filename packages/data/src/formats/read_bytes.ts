// Reads a whole file for a decoder, with the reader's name and the file in the error (e.g.
// "readNpy x.npy: ENOENT ...").
import * as fs from 'fs';

/** The bytes of `file`; a failure throws `${reader} ${file}: <reason>`. */
export function readBytes(file: string, reader: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${reader} ${file}: ${(e as Error).message}`);
  }
}
