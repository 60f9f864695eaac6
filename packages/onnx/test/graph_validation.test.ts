// Graphs are checked before onnxruntime sees them: Conv/Pool attributes (strides of 0 used to crash the
// process with SIGFPE), known operators, initializers against their nodes and the metadata's channels
// and classes. Every error names the file and the node.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { exportOnnx, OnnxModel } from '../src';
import { modelWithStats } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-onnx-graph-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const good = exportOnnx(modelWithStats({ kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } }), {
  inputSize: [8, 8, 8],
}).bytes;

type Edit = (p: onnx.ModelProto) => void;

/** Writes `good` with `edit` applied to name.onnx; returns the path. */
function tampered(name: string, edit: Edit): string {
  const p = onnx.ModelProto.decode(good);
  edit(p);
  const f = path.join(dir, name);
  fs.writeFileSync(f, onnx.ModelProto.encode(p).finish());
  return f;
}
const node = (p: onnx.ModelProto, op: string): onnx.NodeProto => p.graph!.node.find((n) => n.opType === op)!;
const attr = (n: onnx.NodeProto, name: string): onnx.AttributeProto => n.attribute.find((a) => a.name === name)!;
const meta = (p: onnx.ModelProto, key: string, value: string): void => {
  p.metadataProps.find((m) => m.key === key)!.value = value;
};

describe('OnnxModel.load validates the graph', () => {
  it.each<[string, Edit, RegExp]>([
    [
      'Conv strides [0,0,0]',
      (p) => (attr(node(p, 'Conv'), 'strides').ints = [0, 0, 0]),
      /node "Conv_0" \(Conv\): strides must be 3 positive integers .*got \[0,0,0\]/,
    ],
    [
      'MaxPool strides [0,0,0]',
      (p) => (attr(node(p, 'MaxPool'), 'strides').ints = [0, 0, 0]),
      /node "MaxPool_\d+" \(MaxPool\): strides must be 3 positive integers/,
    ],
    [
      'Conv pads of the wrong length',
      (p) => (attr(node(p, 'Conv'), 'pads').ints = [1, 1, 1, 1]),
      /\(Conv\): pads must be 6 integers >= 0/,
    ],
    [
      'negative pads',
      (p) => (attr(node(p, 'Conv'), 'pads').ints = [1, 1, -1, 1, 1, 1]),
      /\(Conv\): pads must be 6 integers >= 0/,
    ],
    ['dilations 0', (p) => (attr(node(p, 'Conv'), 'dilations').ints = [1, 0, 1]), /\(Conv\): dilations must be 3/],
    [
      'a kernel_shape the weights do not have',
      (p) => (attr(node(p, 'Conv'), 'kernel_shape').ints = [5, 5, 5]),
      /\(Conv\): kernel_shape \[5,5,5\] differs from weight dims/,
    ],
    [
      'a MaxPool kernel of 0',
      (p) => (attr(node(p, 'MaxPool'), 'kernel_shape').ints = [2, 0, 2]),
      /\(MaxPool\): kernel_shape must be 3 positive integers/,
    ],
    [
      'a pool window larger than the volume',
      (p) => (attr(node(p, 'MaxPool'), 'kernel_shape').ints = [64, 64, 64]),
      /\(MaxPool\): gives per-sample shape \(\d+, 0, 0, 0\)/,
    ],
    ['an unknown operator', (p) => (node(p, 'Relu').opType = 'Loop'), /\(Loop\): unknown operator/],
    [
      'an unknown attribute',
      (p) => node(p, 'Conv').attribute.push(onnx.AttributeProto.create({ name: 'evil', type: 2, i: 1 })),
      /\(Conv\): unknown attribute "evil"/,
    ],
    [
      'an attribute of the wrong type',
      (p) => Object.assign(attr(node(p, 'Conv'), 'strides'), { type: 2, i: 1, ints: [] }),
      /\(Conv\): attribute "strides" must be of type INTS/,
    ],
    [
      'a node reading an undefined value',
      (p) => (node(p, 'Relu').input = ['nowhere']),
      /input "nowhere" is not defined/,
    ],
    [
      'metadata input_channels 2 for 1-channel weights',
      (p) => {
        meta(p, 'nodulab.input_channels', '2');
        p.graph!.input[0].type!.tensorType!.shape!.dim[1].dimValue = 2;
      },
      /node "Conv_0" \(Conv\): weight .* takes 1 channels, the input has 2/,
    ],
    [
      'metadata naming 3 classes for a 2-class head',
      (p) => meta(p, 'nodulab.class_names', '["a","b","c"]'),
      /output "logits" gives \(2\) per volume; the metadata names 3 classes/,
    ],
    [
      'a weight of the wrong shape',
      (p) => {
        const w = p.graph!.initializer.find((t) => t.name === node(p, 'Gemm').input[1])!;
        w.dims = [4, w.rawData.length / 16]; // (2, 16) read as (4, 8): same values, wrong shape
      },
      /\(Gemm\): weight .* takes \d+ features, the input has \d+/,
    ],
    [
      'an initializer with too few values',
      (p) => (p.graph!.initializer[0].rawData = p.graph!.initializer[0].rawData.subarray(4)),
      /initializer ".*" holds \d+ values for dims/,
    ],
    [
      'external weight data',
      (p) => (p.graph!.initializer[0].dataLocation = onnx.TensorProto.DataLocation.EXTERNAL),
      /refers to external data/,
    ],
    ['an old opset', (p) => (p.opsetImport[0].version = 7), /default-domain opset 7; nodulab runs opsets 13\.\.23/],
  ])('%s', async (name, edit, message) => {
    const f = tampered(`${name.replace(/\W+/g, '_')}.onnx`, edit);
    const err = await OnnxModel.load(f).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`OnnxModel.load(${f})`);
    expect((err as Error).message).toMatch(message);
  });

  it('still loads the untouched model', async () => {
    const f = tampered('good.onnx', () => undefined);
    const model = await OnnxModel.load(f);
    await model.release();
  });
});
