// A small DICOM Part 10 writer for tests and the readers' fuzz (no Python needed): CT slices in explicit or
// implicit VR little endian (or big endian), native or RLE pixel data, with the tags readDicomSeries reads; and
// non-image files (a DICOMDIR-like file, a structured report). Not a general DICOM encoder.
'use strict';

const UIDS = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  big: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegLossless: '1.2.840.10008.1.2.4.70',
};
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

/** Value bytes of an element: strings padded to even length, numbers by VR. */
function valueBytes(vr, value, le) {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string' || (Array.isArray(value) && typeof value[0] === 'string')) {
    const s = Array.isArray(value) ? value.join('\\') : value;
    const pad = vr === 'UI' || vr === 'OB' ? '\0' : ' ';
    return Buffer.from(s.length % 2 ? s + pad : s, 'latin1');
  }
  const vals = Array.isArray(value) ? value : [value];
  if (vr === 'DS' || vr === 'IS')
    return valueBytes(
      vr,
      vals.map((v) => String(v)),
      le,
    );
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[vr];
  const b = Buffer.alloc(size * vals.length);
  vals.forEach((v, k) => {
    const o = k * size;
    if (vr === 'US') b[le ? 'writeUInt16LE' : 'writeUInt16BE'](v, o);
    else if (vr === 'SS') b[le ? 'writeInt16LE' : 'writeInt16BE'](v, o);
    else if (vr === 'UL') b[le ? 'writeUInt32LE' : 'writeUInt32BE'](v, o);
    else if (vr === 'SL') b[le ? 'writeInt32LE' : 'writeInt32BE'](v, o);
    else if (vr === 'FL') b[le ? 'writeFloatLE' : 'writeFloatBE'](v, o);
    else b[le ? 'writeDoubleLE' : 'writeDoubleBE'](v, o);
  });
  return b;
}

/** One element; `length` overrides the declared length (for fuzzing); `undefinedLength` writes 0xFFFFFFFF. */
function element(group, elem, vr, value, { implicit = false, le = true, length, undefinedLength = false } = {}) {
  const v = valueBytes(vr, value, le);
  const u16 = (x) => {
    const b = Buffer.alloc(2);
    b[le ? 'writeUInt16LE' : 'writeUInt16BE'](x);
    return b;
  };
  const u32 = (x) => {
    const b = Buffer.alloc(4);
    b[le ? 'writeUInt32LE' : 'writeUInt32BE'](x >>> 0);
    return b;
  };
  const len = undefinedLength ? 0xffffffff : (length ?? v.length);
  const head = [u16(group), u16(elem)];
  if (implicit) head.push(u32(len));
  else if (LONG_VRS.has(vr)) head.push(Buffer.from(vr, 'latin1'), Buffer.alloc(2), u32(len));
  else head.push(Buffer.from(vr, 'latin1'), u16(len));
  return Buffer.concat([...head, v]);
}

/** A Part 10 file: preamble, "DICM", the meta group (explicit LE) and the data set `body` (sorted elements). */
function part10(transferSyntax, sopClass, sopInstance, body) {
  const meta = [
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', sopClass),
    element(0x0002, 0x0003, 'UI', sopInstance),
    element(0x0002, 0x0010, 'UI', transferSyntax),
    element(0x0002, 0x0012, 'UI', '1.2.3.4.5.6.7'),
  ];
  const metaBytes = Buffer.concat(meta);
  const groupLength = element(0x0002, 0x0000, 'UL', metaBytes.length);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), groupLength, metaBytes, ...body]);
}

/** PackBits-codes one byte plane (literal runs only where no repeat pays). */
function packBits(bytes) {
  const out = [];
  let i = 0;
  while (i < bytes.length) {
    let run = 1;
    while (i + run < bytes.length && bytes[i + run] === bytes[i] && run < 128) run++;
    if (run >= 2) {
      out.push((1 - run) & 0xff, bytes[i]);
      i += run;
    } else {
      let n = 1;
      while (i + n < bytes.length && n < 128 && !(i + n + 1 < bytes.length && bytes[i + n] === bytes[i + n + 1])) n++;
      out.push(n - 1, ...bytes.subarray(i, i + n));
      i += n;
    }
  }
  if (out.length % 2) out.push(0x80); // a no-op keeps segments even
  return Buffer.from(out);
}

/** RLE Lossless frame of little-endian samples `raw` (bytesPer bytes each). */
function rleFrame(raw, bytesPer) {
  const n = raw.length / bytesPer;
  const segs = [];
  for (let s = 0; s < bytesPer; s++) {
    const lane = bytesPer - 1 - s;
    const plane = Buffer.alloc(n);
    for (let p = 0; p < n; p++) plane[p] = raw[p * bytesPer + lane];
    segs.push(packBits(plane));
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(bytesPer, 0);
  let off = 64;
  segs.forEach((seg, s) => {
    header.writeUInt32LE(off, 4 + 4 * s);
    off += seg.length;
  });
  return Buffer.concat([header, ...segs]);
}

/**
 * One CT slice as Part 10 bytes. `o`: { pixels (numbers, row-major, columns fastest), rows, columns, position [3],
 * orientation [6], pixelSpacing [2], bitsAllocated (16), bitsStored, highBit, signed, slope, intercept,
 * seriesUid, seriesDescription, seriesNumber, instanceNumber, syntax ('explicit'|'implicit'|'big'|'rle'|
 * 'jpegLossless'), omit (tag keys "gggg,eeee" to leave out), pixelLength (declared length override) }.
 */
function ctSlice(o) {
  const syntax = o.syntax ?? 'explicit';
  const implicit = syntax === 'implicit';
  const le = syntax !== 'big';
  const bits = o.bitsAllocated ?? 16;
  const bitsStored = o.bitsStored ?? bits;
  const highBit = o.highBit ?? bitsStored - 1;
  const bytesPer = bits / 8;
  const raw = Buffer.alloc(o.pixels.length * bytesPer);
  const mask = 2 ** bitsStored - 1;
  const shift = highBit + 1 - bitsStored;
  o.pixels.forEach((v, p) => {
    const word = ((v & mask) << shift) >>> 0;
    if (bytesPer === 1) raw[p] = word;
    else if (bytesPer === 2) raw[le ? 'writeUInt16LE' : 'writeUInt16BE'](word & 0xffff, 2 * p);
    else raw[le ? 'writeUInt32LE' : 'writeUInt32BE'](word, 4 * p);
  });
  const sop = `1.2.826.0.1.3680043.99.${o.instanceNumber ?? 1}.${Math.round(Math.abs(o.position[2]) * 1000)}`;
  const e = (g, el, vr, v, extra = {}) => ({
    key: `${g.toString(16).padStart(4, '0')},${el.toString(16).padStart(4, '0')}`,
    g,
    el,
    vr,
    v,
    extra,
  });
  const fmt = (x) => String(+x.toFixed(6));
  const tags = [
    e(0x0008, 0x0016, 'UI', CT_IMAGE),
    e(0x0008, 0x0018, 'UI', sop),
    e(0x0008, 0x0060, 'CS', o.modality ?? 'CT'),
    e(0x0008, 0x103e, 'LO', o.seriesDescription ?? 'test series'),
    e(0x0018, 0x0050, 'DS', fmt(o.sliceThickness ?? 1)),
    e(0x0020, 0x000e, 'UI', o.seriesUid ?? '1.2.826.0.1.3680043.99.1'),
    e(0x0020, 0x0011, 'IS', String(o.seriesNumber ?? 1)),
    e(0x0020, 0x0013, 'IS', String(o.instanceNumber ?? 1)),
    e(0x0020, 0x0032, 'DS', o.position.map(fmt)),
    e(0x0020, 0x0037, 'DS', (o.orientation ?? [1, 0, 0, 0, 1, 0]).map(fmt)),
    e(0x0028, 0x0002, 'US', 1),
    e(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    e(0x0028, 0x0010, 'US', o.rows),
    e(0x0028, 0x0011, 'US', o.columns),
    e(0x0028, 0x0030, 'DS', (o.pixelSpacing ?? [1, 1]).map(fmt)),
    e(0x0028, 0x0100, 'US', bits),
    e(0x0028, 0x0101, 'US', bitsStored),
    e(0x0028, 0x0102, 'US', highBit),
    e(0x0028, 0x0103, 'US', o.signed ? 1 : 0),
    e(0x0028, 0x1052, 'DS', fmt(o.intercept ?? 0)),
    e(0x0028, 0x1053, 'DS', fmt(o.slope ?? 1)),
  ];
  const opts = { implicit, le };
  const body = tags
    .filter((t) => !(o.omit ?? []).includes(t.key))
    .map((t) =>
      element(t.g, t.el, t.vr, t.v, {
        ...opts,
        ...(o.lengths?.[t.key] !== undefined ? { length: o.lengths[t.key] } : {}),
      }),
    );
  if (!(o.omit ?? []).includes('7fe0,0010')) {
    if (syntax === 'rle' || syntax === 'jpegLossless') {
      const frame = syntax === 'rle' ? rleFrame(raw, bytesPer) : Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
      const item = (b) =>
        Buffer.concat([element(0xfffe, 0xe000, 'UN', Buffer.alloc(0), { implicit: true, length: b.length }), b]);
      const delim = element(0xfffe, 0xe0dd, 'UN', Buffer.alloc(0), { implicit: true, length: 0 });
      const head = element(0x7fe0, 0x0010, 'OB', Buffer.alloc(0), { undefinedLength: true });
      body.push(
        head,
        item(Buffer.alloc(0)),
        item(frame.length % 2 ? Buffer.concat([frame, Buffer.alloc(1)]) : frame),
        delim,
      );
    } else {
      const data = raw.length % 2 ? Buffer.concat([raw, Buffer.alloc(1)]) : raw;
      body.push(element(0x7fe0, 0x0010, bits === 8 ? 'OB' : 'OW', data, { ...opts, length: o.pixelLength }));
    }
  }
  return part10(UIDS[syntax], CT_IMAGE, sop, body);
}

/**
 * A series of `n` axial-or-other slices through a volume `value(i, j, k)` (column, row, slice). `o`: ctSlice's
 * options (pixels and position aside) plus origin [3], sliceStep [3] (default normal × 1 mm), rows, columns.
 * Returns one Part 10 buffer per slice, first to last.
 */
/** The slice normal of ImageOrientationPatient `ori` (row cosine × column cosine). */
function sliceNormal(ori) {
  return [ori[1] * ori[5] - ori[2] * ori[4], ori[2] * ori[3] - ori[0] * ori[5], ori[0] * ori[4] - ori[1] * ori[3]];
}

function ctSeries(n, value, o) {
  const ori = o.orientation ?? [1, 0, 0, 0, 1, 0];
  const normal = sliceNormal(ori);
  const step = o.sliceStep ?? normal;
  const origin = o.origin ?? [0, 0, 0];
  const out = [];
  for (let k = 0; k < n; k++) {
    const pixels = [];
    for (let j = 0; j < o.rows; j++) for (let i = 0; i < o.columns; i++) pixels.push(value(i, j, k));
    out.push(ctSlice({ ...o, instanceNumber: k + 1, pixels, position: origin.map((x, w) => x + k * step[w]) }));
  }
  return out;
}

/** A Part 10 file with no pixel data: a DICOMDIR (media storage directory) or a structured report. */
function nonImage(kind) {
  const sop = kind === 'dicomdir' ? '1.2.840.10008.1.3.10' : '1.2.840.10008.5.1.4.1.1.88.11';
  const body = [element(0x0008, 0x0016, 'UI', sop), element(0x0008, 0x0060, 'CS', kind === 'dicomdir' ? '' : 'SR')];
  return part10(UIDS.explicit, sop, '1.2.826.0.1.3680043.99.777', body);
}

module.exports = { ctSlice, ctSeries, nonImage, element, part10, sliceNormal, UIDS };
