// Encodes an OnnxGraph with its inputs, outputs and metadata as ONNX ModelProto bytes through the
// protobufjs classes of the `onnx-proto` package (no hand-written protobuf).
import { onnx } from 'onnx-proto';
import { AttributeValue, OnnxGraph } from './graph';
import { IR_VERSION, OPSET } from './metadata';

/** A graph input or output: its name and dims, a string for a symbolic dimension ("N"). */
export interface ValueSpec {
  name: string;
  dims: (number | string)[];
}

/** What goes into the ModelProto besides the graph's nodes. */
export interface SerializeOptions {
  graphName: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  metadata: { key: string; value: string }[];
  producerVersion: string;
  docString?: string;
}

function attribute(name: string, v: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in v) return { name, type: T.INT, i: v.int };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  return { name, type: T.FLOATS, floats: v.floats };
}

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function rawLittleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}

/** The ModelProto bytes of `graph`. */
export function serializeModel(graph: OnnxGraph, o: SerializeOptions): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'nodulab',
    producerVersion: o.producerVersion,
    docString: o.docString ?? '',
    metadataProps: o.metadata,
    graph: {
      name: o.graphName,
      node: graph.nodes.map((n) => ({
        opType: n.opType,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
      })),
      initializer: [...graph.initializers].map(([name, t]) => ({
        name,
        dims: t.dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: rawLittleEndian(t.data),
      })),
      input: o.inputs.map(valueInfo),
      output: o.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
