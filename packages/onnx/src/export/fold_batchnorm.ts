// The BatchNorm folding pass: Conv -> BatchNormalization becomes one Conv with
// w' = w · γ/√(σ²+ε) per output channel and b' = (b − μ) · γ/√(σ²+ε) + β (eval mode, exact in real numbers).
import { OnnxGraph } from './graph';

/**
 * Folds every BatchNormalization whose input is a Conv output read by nothing else into that Conv.
 * Returns how many were folded. Arithmetic is in float64, rounded once to float32.
 */
export function foldBatchNorm(graph: OnnxGraph): number {
  let folded = 0;
  for (const bn of [...graph.nodes]) {
    if (bn.opType !== 'BatchNormalization') continue;
    const conv = graph.producer(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || graph.consumers(conv.outputs[0]).length !== 1) continue;
    const get = (name: string) => {
      const t = graph.initializers.get(name);
      if (!t) throw new Error(`foldBatchNorm: "${name}" is not a constant`);
      return t;
    };
    const [gamma, beta, mu, variance] = bn.inputs.slice(1).map((n) => get(n).data);
    const eps = 'float' in bn.attributes.epsilon ? bn.attributes.epsilon.float : 1e-5;
    const w = get(conv.inputs[1]);
    const co = w.dims[0];
    const per = w.data.length / co;
    const weight = new Float32Array(w.data.length);
    const bias = new Float32Array(co);
    const oldBias = conv.inputs[2] ? get(conv.inputs[2]).data : new Float32Array(co);
    for (let c = 0; c < co; c++) {
      const s = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let i = 0; i < per; i++) weight[c * per + i] = w.data[c * per + i] * s;
      bias[c] = (oldBias[c] - mu[c]) * s + beta[c];
    }
    const wName = graph.addInitializer(`${conv.inputs[1]}_folded`, weight, w.dims);
    const bName = graph.addInitializer(`${conv.inputs[1].replace(/weight$/, 'bias')}_folded`, bias, [co]);
    conv.inputs = [conv.inputs[0], wName, bName];
    conv.outputs = [...bn.outputs];
    graph.nodes.splice(graph.nodes.indexOf(bn), 1);
    folded++;
  }
  graph.pruneInitializers();
  return folded;
}
