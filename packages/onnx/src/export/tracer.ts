// OnnxTracer: the GraphTracer that turns nodulab layers into ONNX nodes — Conv3d -> Conv,
// ConvTranspose3d -> ConvTranspose, BatchNorm3d -> BatchNormalization, Linear -> Gemm, ReLU/LeakyReLU/
// Sigmoid, MaxPool3d/AvgPool3d -> MaxPool/AveragePool, GlobalAvgPool3d -> GlobalAveragePool, Flatten, and the
// box head BoxHead3d -> Conv, then a soft-argmax of any feature-map size (ReduceMax, Sub, Exp, CumSum, Div,
// ReduceMean) | GlobalAveragePool, Gemm, Sigmoid -> Concat.
import {
  AvgPool3d,
  BatchNorm3d,
  BoxHead3d,
  Conv3d,
  ConvTranspose3d,
  Dropout,
  Flatten,
  GlobalAvgPool3d,
  GraphTracer,
  Identity,
  LeakyReLU,
  Linear,
  MaxPool3d,
  Module,
  ReLU,
  Sigmoid,
  Size3,
} from '@nodulab/nn';
import { OnnxGraph } from './graph';

function triple(v: Size3): [number, number, number] {
  return typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]];
}

/** ONNX pads: begin of each axis, then end of each axis (nodulab pads symmetrically). */
function pads(p: [number, number, number]): number[] {
  return [...p, ...p];
}

/** Emits ONNX nodes into `graph` for each traced layer, naming weights by their state-dict keys. */
export class OnnxTracer implements GraphTracer<string> {
  private readonly names = new Map<Module, string>();

  constructor(
    readonly graph: OnnxGraph,
    root: Module,
  ) {
    for (const [name, m] of root.namedModules()) this.names.set(m, name);
  }

  private param(m: Module, field: string, data: Float32Array, dims: readonly number[]): string {
    const prefix = this.names.get(m);
    return this.graph.addInitializer(prefix ? `${prefix}.${field}` : field, data, dims);
  }

  private label(m: Module, fallback: string): string {
    return this.names.get(m) || fallback;
  }

  layer(m: Module, x: string): string {
    const g = this.graph;
    if (m instanceof Conv3d || m instanceof ConvTranspose3d) {
      const inputs = [x, this.param(m, 'weight', m.weight.data, m.weight.shape)];
      if (m.bias) inputs.push(this.param(m, 'bias', m.bias.data, m.bias.shape));
      const transposed = m instanceof ConvTranspose3d;
      return g.addNode(
        transposed ? 'ConvTranspose' : 'Conv',
        inputs,
        {
          kernel_shape: { ints: m.weight.shape.slice(2) },
          strides: { ints: m.stride },
          pads: { ints: pads(m.padding) },
          ...(transposed ? { output_padding: { ints: m.outputPadding } } : {}),
          dilations: { ints: m.dilation },
          group: { int: 1 },
        },
        this.label(m, transposed ? 'conv_transpose' : 'conv'),
      );
    }
    if (m instanceof BatchNorm3d) {
      if (!m.runningMean || !m.runningVar) {
        throw new Error(
          `export: BatchNorm3d "${this.label(m, '?')}" has no running statistics (trackRunningStats false); ONNX inference needs them`,
        );
      }
      const c = m.numFeatures;
      const scale = m.weight ? m.weight.data : new Float32Array(c).fill(1);
      const shift = m.bias ? m.bias.data : new Float32Array(c);
      return g.addNode(
        'BatchNormalization',
        [
          x,
          this.param(m, 'weight', scale, [c]),
          this.param(m, 'bias', shift, [c]),
          this.param(m, 'running_mean', m.runningMean.data, [c]),
          this.param(m, 'running_var', m.runningVar.data, [c]),
        ],
        { epsilon: { float: m.eps } },
        this.label(m, 'batchnorm'),
      );
    }
    if (m instanceof Linear) {
      const inputs = [x, this.param(m, 'weight', m.weight.data, m.weight.shape)];
      if (m.bias) inputs.push(this.param(m, 'bias', m.bias.data, m.bias.shape));
      return g.addNode('Gemm', inputs, { transB: { int: 1 } }, this.label(m, 'linear'));
    }
    if (m instanceof ReLU) return this.relu(x);
    if (m instanceof LeakyReLU) return g.addNode('LeakyRelu', [x], { alpha: { float: m.negativeSlope } }, 'leaky_relu');
    if (m instanceof Sigmoid) return g.addNode('Sigmoid', [x], {}, 'sigmoid');
    if (m instanceof MaxPool3d || m instanceof AvgPool3d) {
      const k = triple(m.kernelSize);
      const attrs = {
        kernel_shape: { ints: k },
        strides: { ints: triple(m.options.stride ?? m.kernelSize) },
        pads: { ints: pads(triple(m.options.padding ?? 0)) },
      };
      if (m instanceof MaxPool3d) return g.addNode('MaxPool', [x], attrs, 'maxpool');
      return g.addNode(
        'AveragePool',
        [x],
        { ...attrs, count_include_pad: { int: m.options.countIncludePad === false ? 0 : 1 } },
        'avgpool',
      );
    }
    if (m instanceof GlobalAvgPool3d) return this.globalAvgPool(x);
    if (m instanceof Flatten) return this.flatten(x);
    if (m instanceof Identity || m instanceof Dropout) return x; // eval mode: identity
    if (m instanceof BoxHead3d) return this.boxHead(m, x);
    throw new Error(`export: no ONNX mapping for layer ${m.constructor.name} ("${this.label(m, '?')}")`);
  }

  /**
   * The box head on feature map x: (N,C,d,h,w), for any d, h, w: the soft-argmax centre and the sigmoid size,
   * concatenated. The softmax expectation of each cell-centre coordinate is written without a constant grid:
   * e = exp(heat − max heat), and along axis a the coordinate (i + 0.5) / n_a comes from a cumulative sum of ones
   * (i + 1) and its maximum (n_a), so centre_a = mean(e · coordinate) / mean(e) (the cell count cancels).
   */
  private boxHead(m: BoxHead3d, x: string): string {
    const g = this.graph;
    const all = { axes: { ints: [1, 2, 3, 4] }, keepdims: { int: 1 } };
    const heat = this.layer(m.heat, x); // (N, 1, d, h, w)
    const shifted = g.addNode('Sub', [heat, g.addNode('ReduceMax', [heat], all, 'box_heat_max')], {}, 'box_heat');
    const e = g.addNode('Exp', [shifted], {}, 'box_weight');
    const mass = g.addNode('ReduceMean', [e], all, 'box_mass');
    const scalar = (name: string, v: number) => g.addInitializer(name, [v], []);
    const ones = g.addNode('Add', [
      g.addNode('Mul', [heat, scalar('box_zero', 0)], {}, 'box_zeros'),
      scalar('box_one', 1),
    ]);
    const half = scalar('box_half', 0.5);
    const centre = [2, 3, 4].map((axis) => {
      const at = g.addNode('Constant', [], { value_int: { int: axis } }, `box_axis${axis}`);
      const index = g.addNode('CumSum', [ones, at], {}, `box_index${axis}`); // i + 1 along the axis
      const n = g.addNode('ReduceMax', [index], { axes: { ints: [axis] }, keepdims: { int: 1 } }, `box_cells${axis}`);
      const coord = g.addNode('Div', [g.addNode('Sub', [index, half]), n], {}, `box_coord${axis}`);
      const mean = g.addNode('ReduceMean', [g.addNode('Mul', [e, coord])], all, `box_mean${axis}`);
      return this.flatten(g.addNode('Div', [mean, mass], {}, `box_centre${axis}`));
    });
    const size = g.addNode('Sigmoid', [this.layer(m.size, this.flatten(this.globalAvgPool(x)))], {}, 'box_size');
    return this.concat([...centre, size], 1);
  }

  add(a: string, b: string): string {
    return this.graph.addNode('Add', [a, b], {}, 'add');
  }

  relu(x: string): string {
    return this.graph.addNode('Relu', [x], {}, 'relu');
  }

  concat(xs: string[], axis: number): string {
    return this.graph.addNode('Concat', xs, { axis: { int: axis } }, 'concat');
  }

  flatten(x: string): string {
    return this.graph.addNode('Flatten', [x], { axis: { int: 1 } }, 'flatten');
  }

  globalAvgPool(x: string): string {
    return this.graph.addNode('GlobalAveragePool', [x], {}, 'global_avg_pool');
  }
}
