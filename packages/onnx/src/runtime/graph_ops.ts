// The ONNX operators a nodulab model may hold (what the exporter emits), with their input counts and
// attributes, and typed reading of a node's attributes: every value is checked before onnxruntime sees it.
import { onnx } from 'onnx-proto';

type AttrKind = 'int' | 'ints' | 'float' | 'string';

/** One known operator: how many inputs it takes and which attributes it may carry. */
export interface OpSpec {
  inputs: [min: number, max: number];
  attributes: Record<string, AttrKind>;
}

const CONV_ATTRS: Record<string, AttrKind> = {
  kernel_shape: 'ints',
  strides: 'ints',
  pads: 'ints',
  dilations: 'ints',
  group: 'int',
  auto_pad: 'string',
};
const POOL_ATTRS: Record<string, AttrKind> = {
  kernel_shape: 'ints',
  strides: 'ints',
  pads: 'ints',
  ceil_mode: 'int',
  auto_pad: 'string',
};

/** The operator set nodulab exports (default ONNX domain); anything else is refused. */
export const KNOWN_OPS: Record<string, OpSpec> = {
  Conv: { inputs: [2, 3], attributes: CONV_ATTRS },
  ConvTranspose: { inputs: [2, 3], attributes: { ...CONV_ATTRS, output_padding: 'ints' } },
  MaxPool: { inputs: [1, 1], attributes: { ...POOL_ATTRS, dilations: 'ints', storage_order: 'int' } },
  AveragePool: { inputs: [1, 1], attributes: { ...POOL_ATTRS, count_include_pad: 'int' } },
  BatchNormalization: { inputs: [5, 5], attributes: { epsilon: 'float', momentum: 'float', training_mode: 'int' } },
  Gemm: { inputs: [2, 3], attributes: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' } },
  GlobalAveragePool: { inputs: [1, 1], attributes: {} },
  Flatten: { inputs: [1, 1], attributes: { axis: 'int' } },
  Relu: { inputs: [1, 1], attributes: {} },
  LeakyRelu: { inputs: [1, 1], attributes: { alpha: 'float' } },
  Sigmoid: { inputs: [1, 1], attributes: {} },
  Identity: { inputs: [1, 1], attributes: {} },
  Add: { inputs: [2, 2], attributes: {} },
  Concat: { inputs: [1, 64], attributes: { axis: 'int' } },
  Softmax: { inputs: [1, 1], attributes: { axis: 'int' } },
  // The box head's size-agnostic soft-argmax: elementwise arithmetic, reductions (axes as an attribute: opset <= 17),
  // a cumulative sum along one axis given by an integer Constant.
  Sub: { inputs: [2, 2], attributes: {} },
  Mul: { inputs: [2, 2], attributes: {} },
  Div: { inputs: [2, 2], attributes: {} },
  Exp: { inputs: [1, 1], attributes: {} },
  ReduceMax: { inputs: [1, 1], attributes: { axes: 'ints', keepdims: 'int' } },
  ReduceMean: { inputs: [1, 1], attributes: { axes: 'ints', keepdims: 'int' } },
  CumSum: { inputs: [2, 2], attributes: { exclusive: 'int', reverse: 'int' } },
  Constant: { inputs: [0, 0], attributes: { value_int: 'int' } },
};

/** The opset versions of the default domain whose semantics these checks follow. */
export const OPSET_RANGE: [number, number] = [13, 23];

/** Largest value an integer attribute may take (kernels, strides, pads, dilations, axes). */
const MAX_ATTR_INT = 4096;

/** A protobuf int64 (number or Long) as a number; NaN when it is not a safe integer. */
export function int64(x: unknown): number {
  const n = typeof x === 'number' ? x : Number(String(x));
  return Number.isSafeInteger(n) ? n : NaN;
}

/** Typed, checked access to one node's attributes; `fail` throws naming the file and the node. */
export class NodeAttributes {
  private readonly byName = new Map<string, onnx.IAttributeProto>();

  constructor(
    node: onnx.INodeProto,
    spec: OpSpec,
    private readonly fail: (msg: string) => never,
  ) {
    const T = onnx.AttributeProto.AttributeType;
    const wanted: Record<AttrKind, number> = { int: T.INT, ints: T.INTS, float: T.FLOAT, string: T.STRING };
    for (const a of node.attribute ?? []) {
      const name = a.name ?? '';
      const kind = spec.attributes[name];
      if (kind === undefined) fail(`unknown attribute "${name}"`);
      if (a.type !== wanted[kind]) fail(`attribute "${name}" must be of type ${kind.toUpperCase()}`);
      if (this.byName.has(name)) fail(`attribute "${name}" is given twice`);
      this.byName.set(name, a);
    }
  }

  /** An INT attribute in [lo, hi], or `fallback` when absent. */
  int(name: string, fallback: number, lo: number, hi: number): number {
    const a = this.byName.get(name);
    if (!a) return fallback;
    const v = int64(a.i ?? 0);
    if (!(v >= lo && v <= hi)) this.fail(`attribute ${name} must be an integer in [${lo}, ${hi}], got ${a.i}`);
    return v;
  }

  /** A finite FLOAT attribute, or `fallback` when absent. */
  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    if (!a) return fallback;
    const v = a.f ?? 0;
    if (!Number.isFinite(v)) this.fail(`attribute ${name} must be finite, got ${v}`);
    return v;
  }

  /** A STRING attribute (latin1), or `fallback` when absent. */
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? Buffer.from(a.s ?? new Uint8Array()).toString('latin1') : fallback;
  }

  /** An INTS attribute of 1 to 8 distinct values, each in [lo, hi]; required. */
  intSet(name: string, lo: number, hi: number): number[] {
    const a = this.byName.get(name);
    if (!a) return this.fail(`attribute ${name} is required`);
    const v = (a.ints ?? []).map(int64);
    if (v.length < 1 || v.length > 8 || new Set(v).size !== v.length || !v.every((x) => x >= lo && x <= hi))
      this.fail(`${name} must be 1 to 8 distinct integers in [${lo}, ${hi}], got [${v.join(',')}]`);
    return v;
  }

  /**
   * An INTS attribute of exactly `length` values, each >= `min` (and <= 4096), or `fallback` when absent
   * (undefined fallback: the attribute is required).
   */
  ints(name: string, length: number, min: number, fallback?: number[]): number[] {
    const a = this.byName.get(name);
    if (!a) {
      if (fallback === undefined) this.fail(`attribute ${name} is required`);
      return fallback!;
    }
    const v = (a.ints ?? []).map(int64);
    const what = min === 1 ? 'positive integers' : `integers >= ${min}`;
    if (v.length !== length || !v.every((x) => x >= min && x <= MAX_ATTR_INT))
      this.fail(`${name} must be ${length} ${what} (at most ${MAX_ATTR_INT}), got [${v.join(',')}]`);
    return v;
  }
}
