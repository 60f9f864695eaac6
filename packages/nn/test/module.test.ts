// Module: registration, dotted names, train/eval, zeroGrad and state dicts (copies, strict loading errors).
import { Tensor, mul, sum } from '@nodulab/tensor';
import { Module, Sequential, Identity, ModuleList } from '../src';

/** y = x * weight (+ a counter buffer): a parameterized module that needs no native op beyond mul. */
class Scale extends Module {
  readonly weight: Tensor;
  constructor(n: number, value = 1) {
    super();
    this.weight = this.registerParameter('weight', Tensor.full([n], value));
    this.registerParameter('bias', null);
    this.registerBuffer('count', Tensor.zeros([]));
  }
  override forward(x: Tensor): Tensor {
    return mul(x, this.weight);
  }
}

class Net extends Module {
  readonly body: Sequential;
  readonly head: Scale;
  constructor() {
    super();
    this.body = this.registerModule('body', new Sequential(new Scale(3, 2), new Identity(), new Scale(3, 3)));
    this.head = this.registerModule('head', new Scale(3, 4));
  }
  override forward(x: Tensor): Tensor {
    return this.head.forward(this.body.forward(x));
  }
}

describe('Module', () => {
  it('names parameters and buffers with PyTorch-style dotted paths in registration order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['body.0.weight', 'body.2.weight', 'head.weight']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['body.0.count', 'body.2.count', 'head.count']);
    expect(Object.keys(net.stateDict())).toEqual([
      'body.0.weight',
      'body.0.count',
      'body.2.weight',
      'body.2.count',
      'head.weight',
      'head.count',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.numParameters()).toBe(9);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'body', 'body.0', 'body.1', 'body.2', 'head']);
  });

  it('propagates train/eval to every descendant', () => {
    const net = new Net();
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
  });

  it('computes gradients for its parameters and clears them with zeroGrad', () => {
    const net = new Net();
    sum(net.forward(Tensor.from([1, 2, 3], [3]))).backward();
    expect(Array.from(net.head.weight.grad!.data)).toEqual([6, 12, 18]);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('returns a snapshot state dict and loads one in place', () => {
    const a = new Net();
    const sd = a.stateDict();
    a.head.weight.data[0] = 100; // the snapshot is a copy
    expect(sd['head.weight'].data[0]).toBe(4);
    const b = new Net();
    const weightRef = b.head.weight;
    b.loadStateDict({ ...sd, 'head.weight': Tensor.from([7, 8, 9], [3]) });
    expect(b.head.weight).toBe(weightRef); // same tensor, new values
    expect(Array.from(b.head.weight.data)).toEqual([7, 8, 9]);
    b.loadStateDict(new Map(Object.entries(a.stateDict())));
    expect(b.head.weight.data[0]).toBe(100);
  });

  it.each([
    [
      'a missing key',
      (sd: Record<string, Tensor>) => {
        delete sd['body.2.weight'];
      },
      /missing keys: body\.2\.weight/,
    ],
    [
      'an unexpected key',
      (sd: Record<string, Tensor>) => {
        sd['tail.weight'] = Tensor.zeros([1]);
      },
      /unexpected keys: tail\.weight/,
    ],
    [
      'a shape mismatch',
      (sd: Record<string, Tensor>) => {
        sd['head.weight'] = Tensor.zeros([4]);
      },
      /shape mismatch for "head\.weight": checkpoint has \[4\], model has \[3\]/,
    ],
  ])('rejects %s and copies nothing', (_name, corrupt, message) => {
    const net = new Net();
    const sd = new Net().stateDict();
    sd['body.0.weight'] = Tensor.full([3], 42);
    corrupt(sd);
    expect(() => net.loadStateDict(sd)).toThrow(message);
    expect(net.body.at(0).stateDict()['weight'].data[0]).toBe(2);
  });

  it('reports missing and unexpected keys instead of throwing when not strict', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['head.count'];
    sd.extra = Tensor.zeros([1]);
    expect(net.loadStateDict(sd, { strict: false })).toEqual({
      missingKeys: ['head.count'],
      unexpectedKeys: ['extra'],
    });
    sd['head.weight'] = Tensor.zeros([2]);
    expect(() => net.loadStateDict(sd, { strict: false })).toThrow(/shape mismatch/);
  });

  it('lists a shared (tied) parameter once', () => {
    const shared = new Scale(2);
    const net = new Sequential(shared, new Identity(), shared);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight']);
  });

  it('rejects clashing or dotted names', () => {
    const m = new Scale(2);
    expect(() => m.registerBuffer('weight', Tensor.zeros([1]))).toThrow(/"weight" is already a parameter/);
    expect(() => m.registerModule('a.b', new Identity())).toThrow(/without '\.'/);
    expect(() => new ModuleList([new Identity()]).forward()).toThrow(/ModuleList: has no forward/);
  });
});
