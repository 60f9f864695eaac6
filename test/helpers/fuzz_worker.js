// Fuzz worker (a child process of test/e2e/readers_fuzz.test.ts, on the built packages): mutates valid
// inputs of one format with a seeded generator — bit flips, truncation, length-field edits, splices,
// structural edits — and feeds each to nodulab's public reader as a file (a DICOM series as a folder of slice
// files; a volume is also mapped to the 1 mm grid a model would resample it to, which the input limits bound).
// Prints one JSON summary line.
//   node fuzz_worker.js <format> <seed> <cases> <workdir>     fuzz one format
//   node fuzz_worker.js replay <workdir> <file>...             read corpus files (format from the folder)
// Before each case the input is written to <workdir>/current.<ext>, so a crash leaves it behind.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const FIXTURES = path.join(__dirname, '..', '..', 'packages', 'data', 'test', 'fixtures', 'npy');
const EXT = {
  nifti: 'nii',
  niigz: 'nii.gz',
  npy: 'npy',
  npz: 'npz',
  safetensors: 'safetensors',
  onnx: 'onnx',
  spec: 'json',
  dicom: 'dcmdir',
};

/** mulberry32: a small seeded generator. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)] };
}

const EXTREMES = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** Writes an extreme or random value of 1, 2, 4 or 8 bytes at `at`. */
function writeField(b, at, r) {
  const width = r.pick([1, 2, 4, 4, 8]);
  if (at < 0 || at + width > b.length) return;
  const v = r.next() < 0.7 ? r.pick(EXTREMES) : r.int(2 ** 32);
  if (width === 1) b[at] = v & 0xff;
  else if (width === 2) b.writeUInt16LE(v & 0xffff, at);
  else if (width === 4) {
    if (r.next() < 0.2) b.writeFloatLE(r.pick([0, -1, NaN, Infinity, 1e30, 1e-30, 0.5]), at);
    else b.writeUInt32LE(v >>> 0, at);
  } else b.writeBigUInt64LE(r.next() < 0.5 ? 2n ** 63n - 1n : BigInt(v >>> 0), at);
}

/** One byte-level mutation of a copy of `b`; `fields` are offsets of length/size fields worth hitting. */
function mutateBytes(b, r, fields, others) {
  const out = Buffer.from(b);
  switch (r.int(6)) {
    case 0: {
      const n = 1 + r.int(8);
      for (let k = 0; k < n && out.length; k++) out[r.int(out.length)] ^= 1 << r.int(8);
      return out;
    }
    case 1:
      return out.subarray(0, r.int(out.length + 1));
    case 2:
    case 3:
      writeField(out, fields.length && r.next() < 0.7 ? r.pick(fields) : r.int(out.length), r);
      return out;
    case 4: {
      // splice: drop, duplicate or insert a chunk (random bytes or a piece of another valid input)
      const at = r.int(out.length + 1);
      const len = 1 + r.int(64);
      const k = r.int(3);
      if (k === 0) return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + len))]);
      const src = k === 1 ? out : r.pick(others);
      const s = r.int(Math.max(1, src.length - len));
      return Buffer.concat([out.subarray(0, at), src.subarray(s, s + len), out.subarray(at)]);
    }
    default: {
      const at = r.int(out.length + 1);
      const junk = Buffer.alloc(1 + r.int(16));
      for (let i = 0; i < junk.length; i++) junk[i] = r.int(256);
      return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
    }
  }
}

/** Text mutations (spec JSON, npy headers, safetensors headers): numbers, brackets, deep nesting. */
function mutateText(t, r) {
  switch (r.int(5)) {
    case 0: {
      const nums = [...t.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
      if (!nums.length) return t;
      const m = r.pick(nums);
      const v = r.pick(['0', '-1', '1e308', '-1e308', '99999999999', '1e-320', '3.5', '"x"', 'null', '[]', '{}']);
      return t.slice(0, m.index) + v + t.slice(m.index + m[0].length);
    }
    case 1: {
      const at = r.int(t.length + 1);
      const d = r.pick([10, 100, 5000, 100000]);
      return t.slice(0, at) + '['.repeat(d) + ']'.repeat(r.next() < 0.5 ? d : 0) + t.slice(at);
    }
    case 2: {
      const at = r.int(t.length);
      return t.slice(0, at) + t.slice(at + 1 + r.int(8));
    }
    case 3: {
      const at = r.int(t.length);
      return t.slice(0, at) + r.pick(['(', ')', ',', "'", '"', ':', '{', '}', '\\', '\u0000']) + t.slice(at);
    }
    default: {
      const keys = [...t.matchAll(/"[A-Za-z_]+"/g)];
      if (!keys.length) return t;
      const m = r.pick(keys);
      return (
        t.slice(0, m.index) +
        r.pick(['"__proto__"', '"constructor"', '""', '"shape"', '"dtype"']) +
        t.slice(m.index + m[0].length)
      );
    }
  }
}

function npyHeaderEdit(b, r) {
  const len = b.readUInt16LE(8);
  const text = b.toString('latin1', 10, 10 + len);
  const t = mutateText(text, r);
  const out = Buffer.alloc(10 + t.length + (b.length - 10 - len));
  b.copy(out, 0, 0, 10);
  out.writeUInt16LE(Math.min(t.length, 0xffff), 8);
  out.write(t, 10, 'latin1');
  b.copy(out, 10 + t.length, 10 + len);
  return out;
}

function zipFields(b) {
  const f = [18, 22, 26, 28];
  for (let i = b.indexOf('PK\x01\x02'); i >= 0; i = b.indexOf('PK\x01\x02', i + 1))
    f.push(i + 10, i + 20, i + 24, i + 28, i + 30, i + 42);
  const e = b.lastIndexOf('PK\x05\x06');
  if (e >= 0) f.push(e + 8, e + 10, e + 12, e + 16);
  return f;
}

/** Valid inputs of each format, the fields worth editing, and the reader. */
function formats() {
  const data = require('@nodulab/data');
  const nn = require('@nodulab/nn');
  const tensor = require('@nodulab/tensor');
  const NIFTI_FIELDS = [0, 40, 42, 44, 46, 48, 70, 72, 76, 80, 84, 88, 108, 112, 116, 344];
  const vol = (dtype) =>
    data.encodeNifti(
      [4, 5, 6],
      [1, 0.7, 2],
      Float32Array.from({ length: 120 }, (_, i) => i % 17),
      { datatype: dtype },
    );
  const npys = ['float32', 'float64', 'uint8', 'int32', 'int64'].map((dtype) =>
    Buffer.from(data.encodeNpy({ dtype, shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => i) })),
  );
  for (const f of fs.readdirSync(FIXTURES)) if (f.endsWith('.npy')) npys.push(fs.readFileSync(path.join(FIXTURES, f)));
  const arrays = {
    x: { dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
    y: { dtype: 'uint8', shape: [4], data: [1, 2, 3, 4] },
  };
  const npzs = [data.encodeNpz(arrays), data.encodeNpz(arrays, { compress: true })].map((b) => Buffer.from(b));
  for (const f of ['numpy_savez.npz', 'numpy_savez_compressed.npz']) npzs.push(fs.readFileSync(path.join(FIXTURES, f)));
  const st = Buffer.from(
    nn.encodeSafetensors(
      { 'a.weight': tensor.Tensor.ones([2, 3]), 'b.bias': tensor.Tensor.zeros([4]) },
      { 'nodulab.model_spec': '{"kind":"nodulenet3d","options":{}}' },
    ),
  );
  const specs = ['iid', ...data.PRESET_NAMES.slice(0, 3)].map((p) =>
    Buffer.from(JSON.stringify(data.preset(p), null, 1)),
  );
  const strideCheck = (a) => a.data.length === a.shape.reduce((x, y) => x * y, 1);
  // The grid a model at 1 mm would resample the volume to (maps only: a grid past maxVoxels is an error).
  const toMm = (v, f) => data.resampleMaps(v.shape, v.spacing, [1, 1, 1], { name: f }).every((m) => m.size >= 1);
  return {
    nifti: {
      seeds: [vol('float32'), vol('uint8')],
      mutate: (b, r, all) => mutateBytes(b, r, NIFTI_FIELDS, all),
      read: async (f) => {
        const v = data.readNifti(f);
        return v.data.length === v.shape[0] * v.shape[1] * v.shape[2] && v.spacing.every((s) => s > 0) && toMm(v, f);
      },
    },
    niigz: {
      seeds: [zlib.gzipSync(vol('float32')), zlib.gzipSync(vol('uint8'))],
      // half the cases edit the volume inside the gzip (to reach the header checks), half the gzip bytes
      mutate: (b, r, all) =>
        r.next() < 0.5
          ? zlib.gzipSync(mutateBytes(zlib.gunzipSync(b), r, NIFTI_FIELDS, []))
          : mutateBytes(b, r, [4, 8], all),
      read: async (f) => {
        const v = data.readNifti(f);
        return v.data.length === v.shape[0] * v.shape[1] * v.shape[2] && toMm(v, f);
      },
    },
    npy: {
      seeds: npys,
      mutate: (b, r, all) => (r.next() < 0.4 ? npyHeaderEdit(b, r) : mutateBytes(b, r, [6, 8, 9], all)),
      read: async (f) => strideCheck(data.readNpy(f)),
    },
    npz: {
      seeds: npzs,
      mutate: (b, r, all) => mutateBytes(b, r, zipFields(b), all),
      read: async (f) => Object.values(data.readNpz(f)).every(strideCheck),
    },
    safetensors: {
      seeds: [st],
      mutate: (b, r, all) => {
        if (r.next() < 0.5) return mutateBytes(b, r, [0, 4], all);
        const n = Number(b.readBigUInt64LE(0));
        const t = Buffer.from(mutateText(b.toString('utf8', 8, 8 + n), r));
        const head = Buffer.alloc(8);
        head.writeBigUInt64LE(BigInt(t.length));
        return Buffer.concat([head, t, b.subarray(8 + n)]);
      },
      read: async (f) => {
        const c = nn.loadSafetensors(f);
        return Object.values(c.tensors).every((t) => t.data.length === t.shape.reduce((x, y) => x * y, 1));
      },
    },
    onnx: onnxFormat(),
    dicom: dicomFormat(toMm),
    spec: {
      seeds: specs,
      mutate: (b, r, all) => (r.next() < 0.8 ? Buffer.from(mutateText(b.toString(), r)) : mutateBytes(b, r, [], all)),
      read: async (f) => typeof data.readSpecFile(f).name === 'string',
    },
  };
}

/** ONNX: byte mutations and structural ones (attribute values, dims, op types) on a tiny exported model. */
function onnxFormat() {
  const { onnx } = require('onnx-proto');
  const { exportOnnx, OnnxModel } = require('@nodulab/onnx');
  const nn = require('@nodulab/nn');
  const model = nn.createModel({ kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } }).eval();
  const good = Buffer.from(exportOnnx(model, { inputSize: [8, 8, 8] }).bytes);
  const VALUES = [0, -1, 1, 2, 3, 7, 100, 65536, 2 ** 31 - 1, -(2 ** 31)];
  const structural = (r) => {
    const p = onnx.ModelProto.decode(good);
    const g = p.graph;
    const n = r.pick(g.node);
    switch (r.int(6)) {
      case 0:
      case 1: {
        const a = n.attribute.length ? r.pick(n.attribute) : null;
        if (a && a.ints.length) a.ints[r.int(a.ints.length)] = r.pick(VALUES);
        else if (a) a.i = r.pick(VALUES);
        break;
      }
      case 2: {
        const t = r.pick(g.initializer);
        t.dims[r.int(t.dims.length)] = r.pick(VALUES);
        break;
      }
      case 3:
        n.opType = r.pick(['Conv', 'MaxPool', 'Gemm', 'Loop', 'Reshape', 'Add', 'Softmax', 'Concat']);
        break;
      case 4:
        g.node.splice(g.node.indexOf(n), 1);
        break;
      default: {
        const m = r.pick(p.metadataProps);
        m.value = r.pick([
          '2',
          '[]',
          '[8,8]',
          '["a","b","c"]',
          '[0,8,8]',
          '{"type":"window","center":0,"width":-1}',
          '['.repeat(5000),
        ]);
      }
    }
    return Buffer.from(onnx.ModelProto.encode(p).finish());
  };
  return {
    seeds: [good],
    mutate: (b, r, all) => (r.next() < 0.6 ? structural(r) : mutateBytes(b, r, [], all)),
    read: async (f) => {
      const m = await OnnxModel.load(f, { intraOpNumThreads: 1 });
      try {
        const x = new Float32Array(m.metadata.inputChannels * m.metadata.inputSize.reduce((a, b) => a * b, 1));
        await m.predict(
          { data: x, shape: [m.metadata.inputChannels, ...m.metadata.inputSize] },
          { units: 'normalized' },
        );
      } finally {
        await m.release();
      }
      return true;
    },
  };
}

/** Element header offsets of an explicit VR little-endian Part 10 file, walked from byte 132 (as far as it goes). */
function dicomElements(b) {
  const out = [];
  let at = 132;
  while (at + 8 <= b.length && out.length < 200) {
    const vr = b.toString('latin1', at + 4, at + 6);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
    if (!/^[A-Z]{2}$/.test(vr)) break;
    out.push({ at, vr, long });
    const len = long ? b.readUInt32LE(at + 8) : b.readUInt16LE(at + 6);
    if (len === 0xffffffff) break;
    at += (long ? 12 : 8) + len;
  }
  return out;
}

/**
 * DICOM: a series (an array of slice files) is the input; each case edits it — one slice's bytes (its length
 * fields and VRs above all), a slice dropped (a gap), a slice of another series added (mixed series), a slice
 * cut short — and readDicomSeries reads the folder.
 */
function dicomFormat(toMm) {
  const data = require('@nodulab/data');
  const { ctSeries, nonImage } = require('./dicom_write');
  const value = (i, j, k) => ((i * 37 + j * 101 + k * 251) % 900) - 400;
  const base = { rows: 4, columns: 5, pixelSpacing: [0.7, 0.8], signed: true, slope: 0.5, intercept: -1024 };
  const seeds = [
    ctSeries(3, value, { ...base, sliceStep: [0, 0, 2] }),
    ctSeries(3, value, { ...base, syntax: 'implicit', seriesUid: '1.2.3.2', orientation: [1, 0, 0, 0, 0, -1] }),
    ctSeries(2, (i) => i * 40, { ...base, syntax: 'rle', seriesUid: '1.2.3.3', signed: false, intercept: 0 }),
    ctSeries(2, (i) => i, { ...base, bitsAllocated: 8, seriesUid: '1.2.3.4', signed: false }),
    [...ctSeries(2, value, { ...base, bitsStored: 12, seriesUid: '1.2.3.5' }), nonImage('dicomdir'), nonImage('sr')],
  ];
  const VRS = ['OB', 'OW', 'UN', 'SQ', 'US', 'DS', 'UI', 'UL', 'XX', '\0\0'];
  const editSlice = (b, r, others) => {
    const els = dicomElements(b);
    if (els.length && r.next() < 0.35) {
      const out = Buffer.from(b);
      const e = r.pick(els);
      out.write(r.pick(VRS), e.at + 4, 'latin1'); // a wrong VR: the rest of the file reads differently
      return out;
    }
    const fields = els.flatMap((e) => (e.long ? [e.at + 8] : [e.at + 6]));
    return mutateBytes(b, r, fields, others);
  };
  return {
    seeds,
    mutate: (series, r, all) => {
      const out = [...series];
      const k = r.int(out.length);
      const u = r.next();
      if (u < 0.6) out[k] = editSlice(out[k], r, all.flat());
      else if (u < 0.7 && out.length > 1) out.splice(k, 1);
      else if (u < 0.8) out.push(r.pick(r.pick(all)));
      else if (u < 0.9) out[k] = out[k].subarray(0, r.int(out[k].length));
      else out[k] = Buffer.from(out[k]).fill(r.int(256), 132 + r.int(Math.max(1, out[k].length - 132)));
      return out;
    },
    write: (folder, series) => {
      fs.rmSync(folder, { recursive: true, force: true });
      fs.mkdirSync(folder);
      const files = Array.isArray(series) ? series : [series];
      files.forEach((b, k) => fs.writeFileSync(path.join(folder, `s${k}`), b));
    },
    read: async (f) => {
      const v = data.readDicomSeries(f);
      const n = v.shape[0] * v.shape[1] * v.shape[2];
      return v.data.length === n && v.spacing.every((x) => x > 0) && v.data.every(Number.isFinite) && toMm(v, f);
    },
  };
}

/** Reads one input; returns its outcome: ok, named (an Error naming the file), unnamed, wrong. */
async function attempt(fmt, file, bytes) {
  if (fmt.write) fmt.write(file, bytes);
  else fs.writeFileSync(file, bytes);
  try {
    return (await fmt.read(file))
      ? { kind: 'ok' }
      : { kind: 'wrong', message: 'decoded, but the result breaks its invariants' };
  } catch (e) {
    if (!(e instanceof Error)) return { kind: 'unnamed', message: `threw a non-Error: ${String(e)}` };
    return e.message.includes(file) ? { kind: 'named' } : { kind: 'unnamed', message: e.message.slice(0, 300) };
  }
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  const all = formats();
  const summary = { ok: 0, named: 0, problems: [] };
  const record = (what, o) => {
    if (o.kind === 'ok' || o.kind === 'named') summary[o.kind]++;
    else summary.problems.push({ what, ...o });
  };
  if (mode === 'replay') {
    const [workdir, ...files] = args;
    for (const f of files) {
      const name = path.basename(path.dirname(f));
      const fmt = all[name];
      if (!fmt) throw new Error(`replay: no format "${name}" for ${f}`);
      record(f, await attempt(fmt, path.join(workdir, `current.${EXT[name]}`), fs.readFileSync(f)));
    }
  } else {
    const [seed, cases, workdir] = [Number(args[0]), Number(args[1]), args[2]];
    const fmt = all[mode];
    const r = rng(seed);
    const file = path.join(workdir, `current.${EXT[mode]}`);
    for (let k = 0; k < cases; k++) {
      let b = r.pick(fmt.seeds);
      for (let m = 1 + r.int(3); m > 0; m--) {
        try {
          b = fmt.mutate(b, r, fmt.seeds); // structural edits expect a well-formed input ...
        } catch {
          b = mutateBytes(b, r, [], fmt.seeds); // ... after an earlier mutation, fall back to bytes
        }
      }
      record(`case ${k}`, await attempt(fmt, file, b));
    }
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((e) => {
  process.stderr.write(`fuzz worker failed: ${e && e.stack}\n`);
  process.exit(3);
});
