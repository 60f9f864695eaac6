// OnnxGraph: a small in-memory ONNX graph (nodes, float32 initializers, unique value names) that the
// tracer fills, the passes (BatchNorm folding) rewrite and serialize.ts encodes with onnx-proto.

/** An attribute value: int, float, ints or floats (the kinds the exported ops need). */
export type AttributeValue = { int: number } | { float: number } | { ints: number[] } | { floats: number[] };

/** One operator node. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** A constant tensor (weights, folded BN scales). */
export interface Initializer {
  data: Float32Array;
  dims: number[];
}

/** A growing ONNX graph; value names are unique and readable ("features.0.weight", "conv_3"). */
export class OnnxGraph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Marks a name as taken (graph inputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`OnnxGraph: value name "${name}" is already used`);
    this.used.add(name);
    return name;
  }

  /** Adds a float32 constant (the data is copied); returns its unique name. */
  addInitializer(base: string, data: ArrayLike<number>, dims: readonly number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new Error(`OnnxGraph: initializer "${base}" has ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(base);
    this.initializers.set(name, { data: Float32Array.from(data), dims: [...dims] });
    return name;
  }

  /** Adds a node with one output named after `outBase`; returns the output name. */
  addNode(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outBase?: string): string {
    const out = this.fresh(outBase ?? opType.toLowerCase());
    this.nodes.push({ opType, name: `${opType}_${this.nodes.length}`, inputs, outputs: [out], attributes });
    return out;
  }

  /** The nodes that read value `name`. */
  consumers(name: string): OnnxNode[] {
    return this.nodes.filter((n) => n.inputs.includes(name));
  }

  /** The node producing value `name`, or undefined for inputs and initializers. */
  producer(name: string): OnnxNode | undefined {
    return this.nodes.find((n) => n.outputs.includes(name));
  }

  /** Drops initializers no node reads any more (after a rewrite). */
  pruneInitializers(): void {
    const read = new Set(this.nodes.flatMap((n) => n.inputs));
    for (const name of [...this.initializers.keys()]) if (!read.has(name)) this.initializers.delete(name);
  }
}
