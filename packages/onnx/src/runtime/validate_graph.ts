// Checks a decoded ONNX model before onnxruntime sees it: known operators only, every Conv/Pool attribute
// in range, initializers well formed and of the shapes their nodes need, and per-sample shapes inferred
// from the metadata's input (C, D, H, W) to the outputs, which must match the metadata's classes.
import { onnx } from 'onnx-proto';
import { NodulabMetadata } from '../export/metadata';
import { int64, KNOWN_OPS, NodeAttributes, OPSET_RANGE } from './graph_ops';

/** Most nodes, initializers and values per sample of any tensor a model may have. */
const MAX_NODES = 10_000;
const MAX_ELEMENTS = 2 ** 28;

const prod = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);
const fmt = (a: readonly number[]): string => `(${a.join(', ')})`;
const dimText = (d: onnx.TensorShapeProto.IDimension): string => d.dimParam || String(d.dimValue ?? '?');

/** Output size of a sliding window along one axis (Conv / pooling). */
function windowOut(size: number, k: number, s: number, d: number, pb: number, pe: number, ceil: boolean): number {
  const span = size + pb + pe - ((k - 1) * d + 1);
  if (span < 0) return 0;
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}

/**
 * Throws `${where}: ...` (naming the node, e.g. `node "Conv_0" (Conv): strides must be 3 positive
 * integers, got [0,0,0]`) unless `proto` is a graph nodulab can run: see the file header.
 */
export function validateGraph(proto: onnx.ModelProto, m: NodulabMetadata, where: string): void {
  const bad = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  const g = proto.graph!;
  const opset = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = opset ? int64(opset.version) : NaN;
  if (!(version >= OPSET_RANGE[0] && version <= OPSET_RANGE[1]))
    bad(`default-domain opset ${opset ? opset.version : 'missing'}; nodulab runs opsets ${OPSET_RANGE.join('..')}`);
  if (proto.functions?.length) bad('model-local functions are not supported');
  if (g.sparseInitializer?.length) bad('sparse initializers are not supported');
  if (g.node!.length > MAX_NODES || (g.initializer?.length ?? 0) > MAX_NODES) bad(`more than ${MAX_NODES} nodes`);

  // Initializers: float32, well-formed dims, data stored inside the file and of the declared size.
  const consts = new Map<string, number[]>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    const it = `initializer "${name}"`;
    if (!name) bad('an initializer without a name');
    if (consts.has(name)) bad(`${it} is defined twice`);
    const dims = (t.dims ?? []).map(int64);
    if (dims.length > 8 || !dims.every((d) => d >= 0) || prod(dims) > MAX_ELEMENTS)
      bad(`${it} has bad dims [${(t.dims ?? []).join(',')}]`);
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) bad(`${it} is not float32 (data type ${t.dataType})`);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || t.externalData?.length)
      bad(`${it} refers to external data; nodulab models keep their weights inside the file`);
    const n = prod(dims);
    const have = t.rawData?.length ? t.rawData.length / 4 : (t.floatData?.length ?? 0);
    if (have !== n) bad(`${it} holds ${have} values for dims [${dims.join(',')}] (needs ${n})`);
    consts.set(name, dims);
  }

  // Per-sample shapes (without the batch axis) of every value, starting from the metadata's input.
  const shapes = new Map<string, number[]>();
  const others = (g.input ?? []).filter((v) => v.name !== m.inputName && !consts.has(v.name ?? ''));
  if (others.length) bad(`graph input "${others[0].name}" is not the model input "${m.inputName}" nor a constant`);
  const input = (g.input ?? []).find((v) => v.name === m.inputName)!;
  const declared = input.type?.tensorType;
  if (!declared || declared.elemType !== onnx.TensorProto.DataType.FLOAT)
    bad(`the input "${m.inputName}" is not a float32 tensor`);
  const want = [m.inputChannels, ...m.inputSize];
  const dims = declared!.shape?.dim ?? [];
  if (dims.length !== 5) bad(`the input "${m.inputName}" has rank ${dims.length}; nodulab models take (N, C, D, H, W)`);
  if (dims.slice(1).some((d, k) => d.dimValue != null && !d.dimParam && int64(d.dimValue) !== want[k]))
    bad(`the input "${m.inputName}" is declared [${dims.map(dimText)}] but the metadata says (N, ${want.join(', ')})`);
  shapes.set(m.inputName, want);

  // Integer scalars made by Constant nodes (a CumSum's axis); they carry no batch axis and no per-sample shape.
  const ints = new Map<string, number>();

  g.node!.forEach((node, index) => {
    const op = node.opType ?? '';
    const label = `node ${node.name ? `"${node.name}"` : `#${index}`} (${op})`;
    const fail = (msg: string): never => bad(`${label}: ${msg}`);
    if (node.domain && node.domain !== 'ai.onnx') fail(`operator domain "${node.domain}" is not supported`);
    const spec = KNOWN_OPS[op];
    if (!spec) fail(`unknown operator; nodulab models use ${Object.keys(KNOWN_OPS).join(', ')}`);
    const ins = node.input ?? [];
    const outs = node.output ?? [];
    if (ins.length < spec.inputs[0] || ins.length > spec.inputs[1])
      fail(`takes ${spec.inputs.join('..')} inputs, has ${ins.length}`);
    if (outs.length !== 1 || !outs[0]) fail(`must have exactly one named output, has ${outs.length}`);
    if (shapes.has(outs[0]) || consts.has(outs[0]) || ints.has(outs[0])) fail(`output "${outs[0]}" is already defined`);
    const a = new NodeAttributes(node, spec, fail);
    /** The per-sample shape of a computed input. */
    const x = (k: number): number[] => {
      const s = shapes.get(ins[k]);
      if (!s)
        fail(
          consts.has(ins[k])
            ? `input "${ins[k]}" must not be a constant`
            : `input "${ins[k]}" is not defined before it`,
        );
      return s!;
    };
    /** The dims of a constant input. */
    const c = (k: number): number[] => {
      const d = consts.get(ins[k]);
      if (!d) fail(`input ${k} "${ins[k]}" must be an initializer`);
      return d!;
    };
    const rank = (s: number[], r: number, what: string): void => {
      if (s.length !== r) fail(`${what} has per-sample shape ${fmt(s)}; expected rank ${r}`);
    };
    const axis = (r: number, fallback: number): number => {
      const v = a.int('axis', fallback, -r, r - 1);
      return v < 0 ? v + r : v;
    };
    const noAutoPad = (): void => {
      const p = a.string('auto_pad', 'NOTSET');
      if (p !== 'NOTSET') fail(`auto_pad "${p}" is not supported (use explicit pads)`);
    };
    /** Per-sample shape of operand k of an elementwise op: a computed value, or a one-value constant (a scalar). */
    const operand = (k: number): number[] | null => {
      const d = consts.get(ins[k]);
      if (d === undefined) return x(k);
      if (prod(d) !== 1) fail(`constant "${ins[k]}" has dims [${d.join(',')}]; only one-value constants broadcast`);
      return null;
    };
    /** Numpy broadcasting of two per-sample shapes of one rank (1s stretch). */
    const broadcast = (p: number[], q: number[]): number[] => {
      if (p.length !== q.length || p.some((d, i) => d !== q[i] && d !== 1 && q[i] !== 1))
        fail(`combines per-sample shapes ${fmt(p)} and ${fmt(q)}, which do not broadcast`);
      return p.map((d, i) => Math.max(d, q[i]));
    };
    if (op === 'Constant') {
      ints.set(outs[0], a.int('value_int', NaN, -8, 8));
      if (Number.isNaN(ints.get(outs[0]))) fail('only an integer value_int is supported');
      return;
    }
    let out: number[];
    switch (op) {
      case 'Conv':
      case 'ConvTranspose': {
        const s = x(0);
        rank(s, 4, 'its input');
        const w = c(1);
        if (w.length !== 5 || w.some((d) => d < 1))
          fail(`weight "${ins[1]}" has dims [${w.join(',')}]; expected 5 positive`);
        noAutoPad();
        const group = a.int('group', 1, 1, 1);
        const kernel = a.ints('kernel_shape', 3, 1, w.slice(2));
        if (kernel.some((k, i) => k !== w[2 + i]))
          fail(`kernel_shape [${kernel}] differs from weight dims [${w.join(',')}]`);
        const strides = a.ints('strides', 3, 1, [1, 1, 1]);
        const dil = a.ints('dilations', 3, 1, [1, 1, 1]);
        const pads = a.ints('pads', 6, 0, [0, 0, 0, 0, 0, 0]);
        const transposed = op === 'ConvTranspose';
        const cin = transposed ? w[0] : w[1] * group;
        const cout = transposed ? w[1] * group : w[0];
        if (s[0] !== cin) fail(`weight "${ins[1]}" [${w.join(',')}] takes ${cin} channels, the input has ${s[0]}`);
        if (ins[2]) {
          const b = c(2);
          if (b.length !== 1 || b[0] !== cout) fail(`bias "${ins[2]}" has dims [${b.join(',')}]; expected [${cout}]`);
        }
        let spatial: number[];
        if (transposed) {
          const op_ = a.ints('output_padding', 3, 0, [0, 0, 0]);
          if (op_.some((p, i) => p >= Math.max(strides[i], dil[i])))
            fail(`output_padding [${op_}] must be smaller than the strides or dilations`);
          spatial = [0, 1, 2].map(
            (i) => strides[i] * (s[1 + i] - 1) + op_[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[3 + i],
          );
        } else {
          spatial = [0, 1, 2].map((i) =>
            windowOut(s[1 + i], kernel[i], strides[i], dil[i], pads[i], pads[3 + i], false),
          );
        }
        out = [cout, ...spatial];
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const s = x(0);
        rank(s, 4, 'its input');
        noAutoPad();
        const kernel = a.ints('kernel_shape', 3, 1);
        const strides = a.ints('strides', 3, 1, [1, 1, 1]);
        const pads = a.ints('pads', 6, 0, [0, 0, 0, 0, 0, 0]);
        const dil = op === 'MaxPool' ? a.ints('dilations', 3, 1, [1, 1, 1]) : [1, 1, 1];
        const ceil = a.int('ceil_mode', 0, 0, 1) === 1;
        if (op === 'MaxPool') a.int('storage_order', 0, 0, 0);
        else a.int('count_include_pad', 0, 0, 1);
        if (pads.some((p, i) => p >= kernel[i % 3]))
          fail(`pads [${pads}] must be smaller than kernel_shape [${kernel}]`);
        out = [
          s[0],
          ...[0, 1, 2].map((i) => windowOut(s[1 + i], kernel[i], strides[i], dil[i], pads[i], pads[3 + i], ceil)),
        ];
        break;
      }
      case 'BatchNormalization': {
        const s = x(0);
        if (s.length < 1) fail('its input has no channel axis');
        for (let k = 1; k < 5; k++) {
          const d = c(k);
          if (d.length !== 1 || d[0] !== s[0]) fail(`"${ins[k]}" has dims [${d.join(',')}]; expected [${s[0]}]`);
        }
        if (!(a.float('epsilon', 1e-5) >= 0)) fail('epsilon must be >= 0');
        a.float('momentum', 0.9);
        a.int('training_mode', 0, 0, 0);
        out = s;
        break;
      }
      case 'Gemm': {
        const s = x(0);
        rank(s, 1, 'its input');
        a.float('alpha', 1);
        a.float('beta', 1);
        a.int('transA', 0, 0, 0);
        const transB = a.int('transB', 0, 0, 1) === 1;
        const w = c(1);
        if (w.length !== 2) fail(`weight "${ins[1]}" has dims [${w.join(',')}]; expected 2`);
        const [k, n] = transB ? [w[1], w[0]] : w;
        if (k !== s[0]) fail(`weight "${ins[1]}" [${w.join(',')}] takes ${k} features, the input has ${s[0]}`);
        if (ins[2]) {
          const b = c(2);
          if (!(b.length === 1 && (b[0] === n || b[0] === 1)) && !(b.length === 2 && b[0] === 1 && b[1] === n))
            fail(`bias "${ins[2]}" has dims [${b.join(',')}]; expected [${n}]`);
        }
        out = [n];
        break;
      }
      case 'GlobalAveragePool': {
        const s = x(0);
        rank(s, 4, 'its input');
        out = [s[0], 1, 1, 1];
        break;
      }
      case 'Flatten': {
        const s = x(0);
        if (axis(s.length + 1, 1) !== 1) fail('only axis 1 (keep the batch axis) is supported');
        out = [prod(s)];
        break;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const [p, q] = [operand(0), operand(1)];
        if (p === null && q === null) fail('has two constant inputs');
        out = p === null ? q! : q === null ? p : broadcast(p, q);
        break;
      }
      case 'ReduceMax':
      case 'ReduceMean': {
        if (version > 17) fail('axes as an attribute needs opset <= 17');
        const s = x(0);
        const axes = a.intSet('axes', 1, s.length);
        if (a.int('keepdims', 1, 0, 1) !== 1) fail('only keepdims 1 is supported');
        out = s.map((d, i) => (axes.includes(i + 1) ? 1 : d));
        break;
      }
      case 'CumSum': {
        out = x(0);
        const ax = ints.get(ins[1]);
        if (ax === undefined) fail(`axis "${ins[1]}" must be an integer Constant`);
        if (!(ax! >= 1 && ax! <= out.length)) fail(`axis ${ax} must lie in [1, ${out.length}] (not the batch axis)`);
        a.int('exclusive', 0, 0, 0);
        a.int('reverse', 0, 0, 0);
        break;
      }
      case 'Concat': {
        const parts = ins.map((_, k) => x(k));
        const ax = axis(parts[0].length + 1, 1) - 1;
        if (ax < 0) fail('cannot concatenate along the batch axis');
        for (const p of parts)
          if (p.length !== parts[0].length || p.some((d, i) => i !== ax && d !== parts[0][i]))
            fail(`concatenates shapes ${parts.map(fmt).join(' and ')} along axis ${ax + 1}`);
        out = parts[0].map((d, i) => (i === ax ? parts.reduce((t, p) => t + p[i], 0) : d));
        break;
      }
      case 'Softmax':
        out = x(0);
        axis(out.length + 1, -1);
        break;
      default: // Relu, LeakyRelu, Sigmoid, Identity, Exp
        a.float('alpha', 0.01);
        out = x(0);
    }
    if (out.some((d) => !(d >= 1)) || prod(out) > MAX_ELEMENTS)
      fail(
        `gives per-sample shape ${fmt(out)} from input ${fmt(operand(0) ?? x(1))}; every size must be >= 1 (and the tensor < 2^28 values)`,
      );
    shapes.set(outs[0], out);
  });

  // Outputs: produced by the graph, and of the size the metadata's task and classes say.
  const k = m.classNames.length;
  for (const o of g.output ?? []) {
    const s = shapes.get(o.name ?? '');
    if (!s) bad(`graph output "${o.name}" is not computed by any node`);
    const d = o.type?.tensorType?.shape?.dim ?? [];
    if (
      d.length &&
      (d.length !== s!.length + 1 ||
        d.slice(1).some((x, i) => x.dimValue != null && !x.dimParam && int64(x.dimValue) !== s![i]))
    )
      bad(`graph output "${o.name}" is declared [${d.map(dimText)}] but computes (N, ${s!.join(', ')})`);
    if (!m.outputNames.includes(o.name ?? '')) continue;
    if (m.task === 'classification' && (s!.length !== 1 || (k > 0 && s![0] !== k)))
      bad(`output "${o.name}" gives ${fmt(s!)} per volume; the metadata names ${k} classes`);
    if (
      m.task === 'segmentation' &&
      (s!.length !== 4 || (k > 0 && s![0] !== k) || fmt(s!.slice(1)) !== fmt(m.inputSize))
    )
      bad(`output "${o.name}" gives ${fmt(s!)} per volume; the metadata says ${k} classes over ${fmt(m.inputSize)}`);
    if (m.task === 'embedding' && s!.length !== 1)
      bad(`output "${o.name}" gives ${fmt(s!)} per volume; an embedding is a vector`);
    if (m.task === 'localization' && (s!.length !== 1 || s![0] !== 6))
      bad(`output "${o.name}" gives ${fmt(s!)} per volume; a box is 6 values (centre z, y, x, size d, h, w)`);
  }
}
