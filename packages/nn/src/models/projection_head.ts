// ProjectionHead: the MLP (Linear-ReLU-Linear) mapping embeddings to the space where contrastive
// losses (SupCon, NT-Xent) are computed; e.g. NoduleNet3D's 64 -> 64 -> 128.
import { Generator, Tensor } from '@nodulab/tensor';
import { Module } from '../module';
import { Linear } from '../layers/linear';
import { ReLU } from '../layers/activation';
import { Sequential } from '../layers/container';
import { eagerOps, Ops } from '../graph/ops';

/**
 * z = W2 relu(W1 h + b1) + b2: (N, inDim) -> (N, outDim). The output is not normalized; the
 * contrastive losses L2-normalize it. State-dict keys "net.0.weight", "net.2.weight", ...
 */
export class ProjectionHead extends Module {
  readonly net: Sequential;

  constructor(
    readonly inDim: number,
    readonly hiddenDim: number,
    readonly outDim: number,
    generator?: Generator,
  ) {
    super();
    this.net = this.registerModule(
      'net',
      new Sequential(
        new Linear(inDim, hiddenDim, { generator }),
        new ReLU(),
        new Linear(hiddenDim, outDim, { generator }),
      ),
    );
  }

  /** h: (N, inDim) -> (N, outDim), written once for eager execution and tracing. */
  forwardWith<V>(ops: Ops<V>, h: V): V {
    return ops.call(this.net, h);
  }

  override forward(h: Tensor): Tensor {
    return this.forwardWith(eagerOps, h);
  }
}
