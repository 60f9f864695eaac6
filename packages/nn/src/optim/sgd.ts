// SGD with momentum, dampening, Nesterov momentum and L2 weight decay, exactly as torch.optim.SGD.
import { Tensor } from '@nodulab/tensor';
import { checkRange, Optimizer, ParamGroup, ParamGroupInput, ParamState } from './optimizer';

/** Hyperparameters of {@link SGD} (defaults as in PyTorch, lr required). */
export type SGDOptions = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
};

/**
 * Stochastic gradient descent, per parameter (PyTorch's update):
 *   d = g + weightDecay * p
 *   buf = d (first step) | momentum * buf + (1 - dampening) * d
 *   d = nesterov ? d + momentum * buf : buf      (when momentum != 0)
 *   p = p - lr * d
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Tensor[] | ParamGroupInput<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super('SGD', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected override validate(g: ParamGroup<SGDOptions>, i: number): void {
    checkRange('SGD', 'lr', g.lr, 0, Infinity, i);
    checkRange('SGD', 'momentum', g.momentum, 0, Infinity, i);
    checkRange('SGD', 'dampening', g.dampening, -Infinity, Infinity, i);
    checkRange('SGD', 'weightDecay', g.weightDecay, 0, Infinity, i);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(
        `SGD: nesterov momentum requires momentum > 0 and dampening = 0 (group ${i} has momentum ${g.momentum}, dampening ${g.dampening})`,
      );
    }
  }

  protected override stateKeys(g: ParamGroup<SGDOptions>): { tensors: string[]; counters: string[] } {
    return { tensors: g.momentum === 0 ? [] : ['momentum_buffer'], counters: [] };
  }

  protected override update(p: Tensor, grad: Float32Array, g: ParamGroup<SGDOptions>, s: ParamState): void {
    const w = p.data;
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = g;
    const sign = maximize ? -1 : 1;
    if (momentum === 0) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * (sign * grad[i] + weightDecay * w[i]);
      return;
    }
    const first = !s.momentum_buffer;
    const buf = (s.momentum_buffer as Float32Array | undefined) ?? new Float32Array(w.length);
    s.momentum_buffer = buf;
    for (let i = 0; i < w.length; i++) {
      const d = sign * grad[i] + weightDecay * w[i];
      buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
      w[i] -= lr * (nesterov ? d + momentum * buf[i] : buf[i]);
    }
  }
}
