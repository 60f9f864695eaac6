// The exported file: decodes back with onnx-proto, opset 17, named input with a dynamic batch "N",
// the expected operators (folded or not), and the nodulab metadata; configHash; export errors.
import { onnx } from 'onnx-proto';
import { Module, NoduleNet3D } from '@nodulab/nn';
import { configHash, decodeMetadata, exportOnnx, OPSET } from '../src';
import { modelWithStats } from './helpers';

function decode(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

function ops(m: onnx.ModelProto): Set<string> {
  return new Set(m.graph!.node!.map((n) => n.opType!));
}

describe('exported ModelProto', () => {
  const config = { lr: 0.01, epochs: 3, loss: 'ce' };
  const model = modelWithStats({ kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } });
  const { bytes } = exportOnnx(model, {
    inputSize: [16, 16, 16],
    spacing: [1.25, 0.7, 0.7],
    window: { center: -500, width: 1400 },
    classNames: ['benign', 'malignant'],
    trainingConfig: config,
    modelSpec: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
  });
  const proto = decode(bytes);

  it('has opset 17, IR 8, a named input with a dynamic batch, named outputs', () => {
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', OPSET]]);
    expect(OPSET).toBe(17);
    expect(Number(proto.irVersion)).toBe(8);
    expect(proto.producerName).toBe('nodulab');
    const input = proto.graph!.input![0];
    expect(input.name).toBe('input');
    const dims = input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims).toEqual(['N', 1, 16, 16, 16]);
    expect(proto.graph!.output!.map((o) => o.name)).toEqual(['logits', 'probabilities']);
    expect(proto.graph!.output![0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual([
      'N',
      2,
    ]);
  });

  it('folds BatchNorm into Conv by default and keeps it when asked', () => {
    expect([...ops(proto)].sort()).toEqual([
      'Conv',
      'Flatten',
      'Gemm',
      'GlobalAveragePool',
      'Identity',
      'MaxPool',
      'Relu',
      'Softmax',
    ]);
    const kept = decode(exportOnnx(model, { inputSize: [16, 16, 16], foldBatchNorm: false }).bytes);
    expect(ops(kept).has('BatchNormalization')).toBe(true);
    expect(kept.graph!.node!.filter((n) => n.opType === 'BatchNormalization')).toHaveLength(3);
    expect(kept.graph!.initializer!.map((t) => t.name)).toContain('features.1.running_var');
  });

  it('carries the nodulab metadata', () => {
    const m = decodeMetadata(proto.metadataProps, 'model');
    expect(m).toMatchObject({
      modelKind: 'nodulenet3d',
      task: 'classification',
      classNames: ['benign', 'malignant'],
      inputName: 'input',
      outputNames: ['logits', 'probabilities'],
      inputChannels: 1,
      inputSize: [16, 16, 16],
      spacing: [1.25, 0.7, 0.7],
      normalization: { type: 'window', center: -500, width: 1400 },
      batchNorm: 'folded',
      opset: 17,
      modelSpec: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
    });
    expect(m.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.configHash).toBe(configHash(config));
  });

  it.each([
    [
      'resnet3d',
      { kind: 'resnet3d', options: { widths: [4, 4, 8, 8] } },
      'logits',
      'classification',
      ['Add', 'Gemm', 'Conv'],
    ],
    [
      'unet3d',
      { kind: 'unet3d', options: { baseChannels: 2 } },
      'logits',
      'segmentation',
      ['ConvTranspose', 'Concat', 'Softmax'],
    ],
    [
      'unet3d embedding',
      { kind: 'unet3d', options: { baseChannels: 2 } },
      'embedding',
      'embedding',
      ['GlobalAveragePool', 'Flatten'],
    ],
  ] as const)('%s graph has the right operators and task', (_n, spec, output, task, needed) => {
    const { bytes: b, metadata } = exportOnnx(modelWithStats(spec), { inputSize: [16, 16, 16], output });
    expect(metadata.task).toBe(task);
    const have = ops(decode(b));
    for (const op of needed) expect(have.has(op)).toBe(true);
    expect(have.has('BatchNormalization')).toBe(false);
  });
});

describe('configHash', () => {
  it('ignores key order, tells configs apart, and says none without one', () => {
    expect(configHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(configHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    expect(configHash({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(configHash(undefined)).toBe('none');
  });
});

describe('export errors', () => {
  class NotAModel extends Module {
    override forward(): never {
      throw new Error('no');
    }
  }
  it.each([
    [() => exportOnnx(new NotAModel()), /not a nodulab model/],
    [
      () => exportOnnx(new NoduleNet3D(), { inputSize: [32, 32] as unknown as [number, number, number] }),
      /inputSize must be 3 positive integers/,
    ],
    [() => exportOnnx(new NoduleNet3D(), { inputSize: [2, 2, 2] }), /cannot run on input \(1, 1, 2, 2, 2\)/],
    [() => exportOnnx(modelWithStats({ kind: 'unet3d' }), { inputSize: [30, 32, 32] }), /divisible/],
    [() => exportOnnx(new NoduleNet3D(), { output: 'projection' }), /projection/],
    [() => exportOnnx(new NoduleNet3D(), { classNames: ['a', 'b', 'c'] }), /3 class names for a model with 2 classes/],
    [() => exportOnnx(new NoduleNet3D(), { window: { center: 0, width: 0 } }), /positive width/],
  ])('%#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});
