// Model kinds by name: createModel, the "nodulab.model" checkpoint metadata round trip and its errors,
// and the GraphTracer hook each model implements.
import {
  createModel,
  modelKindOf,
  modelSpecMetadata,
  NoduleNet3D,
  readModelSpec,
  ResNet3D,
  UNet3D,
  GraphTracer,
  Module,
} from '../src';

describe('model factory', () => {
  it.each([
    [{ kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } }, NoduleNet3D],
    [{ kind: 'resnet3d', options: { widths: [4, 4, 8, 8] } }, ResNet3D],
    [{ kind: 'unet3d', options: { baseChannels: 2 } }, UNet3D],
  ] as const)('%j round-trips through checkpoint metadata', (spec, cls) => {
    const meta = modelSpecMetadata(spec);
    const back = readModelSpec(meta)!;
    expect(back).toEqual(spec);
    const model = createModel(back);
    expect(model).toBeInstanceOf(cls);
    expect(modelKindOf(model)).toBe(spec.kind);
  });

  it('no metadata is null; bad metadata and kinds are errors', () => {
    expect(readModelSpec({})).toBeNull();
    expect(() => readModelSpec({ 'nodulab.model': '{' })).toThrow(/is not JSON/);
    expect(() => readModelSpec({ 'nodulab.model': '{"options":{}}' })).toThrow(/no model kind/);
    expect(() => readModelSpec({ 'nodulab.model': '{"kind":"vgg"}' })).toThrow(
      /unknown model kind "vgg" \(known: nodulenet3d, resnet3d, unet3d\)/,
    );
    expect(() => readModelSpec({ 'nodulab.model': '{"kind":"unet3d","options":[1]}' })).toThrow(
      /options must be an object/,
    );
  });
});

describe('trace', () => {
  // A tracer that records an op log; layers are named by class.
  class LogTracer implements GraphTracer<string> {
    log: string[] = [];
    layer(m: Module, x: string) {
      this.log.push(m.constructor.name);
      return `${m.constructor.name}(${x})`;
    }
    add(a: string, b: string) {
      this.log.push('add');
      return `add(${a},${b})`;
    }
    relu(x: string) {
      this.log.push('relu');
      return `relu(${x})`;
    }
    concat(xs: string[]) {
      this.log.push('concat');
      return `cat(${xs.join(',')})`;
    }
    flatten(x: string) {
      this.log.push('flatten');
      return `flatten(${x})`;
    }
    globalAvgPool(x: string) {
      this.log.push('gap');
      return `gap(${x})`;
    }
  }

  it.each([
    [
      'NoduleNet3D logits',
      new NoduleNet3D({ widthMultiplier: 0.25 }),
      'logits',
      { Conv3d: 3, BatchNorm3d: 3, ReLU: 3, MaxPool3d: 2, GlobalAvgPool3d: 1, flatten: 1, Linear: 1 },
    ],
    [
      'NoduleNet3D embedding',
      new NoduleNet3D({ widthMultiplier: 0.25 }),
      'embedding',
      { Conv3d: 3, Linear: 0, flatten: 1 },
    ],
    [
      'ResNet3D logits',
      new ResNet3D({ widths: [2, 2, 4, 4] }),
      'logits',
      { Conv3d: 1 + 8 + 3, add: 4, relu: 8, Linear: 1 },
    ],
    [
      'UNet3D logits',
      new UNet3D({ baseChannels: 2, levels: 2 }),
      'logits',
      { concat: 2, ConvTranspose3d: 2, MaxPool3d: 2, Conv3d: 2 * 2 + 2 + 2 * 2 + 1 },
    ],
    [
      'UNet3D embedding',
      new UNet3D({ baseChannels: 2, levels: 2 }),
      'embedding',
      { gap: 1, flatten: 1, concat: 0, ConvTranspose3d: 0 },
    ],
  ] as const)('%s visits every op', (_name, model, output, counts) => {
    const t = new LogTracer();
    (model as unknown as { trace: (t: LogTracer, x: string, o: string) => string }).trace(t, 'x', output);
    for (const [op, n] of Object.entries(counts)) expect([op, t.log.filter((e) => e === op).length]).toEqual([op, n]);
  });
});
