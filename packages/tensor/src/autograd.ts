// Reverse-mode autograd: the graph node type, grad mode (noGrad), recording ops, and the backward
// pass (topological order, gradient accumulation into leaves).
import type { Tensor } from './tensor';

/**
 * Returns one gradient per input given the output's gradient. `needsGrad[k]` says whether input k
 * requires a gradient; a rule should return null there instead of computing it (e.g. conv3d skips
 * the input gradient of the first layer, whose input is the image).
 */
export type BackwardFn = (gradOutput: Tensor, needsGrad: readonly boolean[]) => (Tensor | null)[];

/** A node of the autograd graph: the op that made a tensor, its inputs and its backward rule. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording the autograd graph (like `torch.no_grad()`), and returns its result. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Attaches `backward` to `output` when grad mode is on and any input requires grad.
 * `backward` is called once with the gradient of `output`; it returns gradients for `inputs` in order.
 */
export function record(output: Tensor, name: string, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.gradFn = { name, inputs, backward };
  }
  return output;
}

/** Adds two gradients of the same size (a new array). */
export type GradAdder = (a: Tensor, b: Tensor) => Tensor;
let addGrads: GradAdder | null = null;
/** Installs the function that sums gradients (set by ops/arithmetic to avoid an import cycle). */
export function setGradAdder(fn: GradAdder): void {
  addGrads = fn;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS so deep graphs cannot overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const next = inputs[i];
      if (next.requiresGrad && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order.reverse(); // root first
}

/** Back-propagates `grad` from `root` through the recorded graph. */
export function backward(root: Tensor, grad: Tensor): void {
  if (!addGrads) throw new Error('autograd: gradient adder not installed');
  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  const previous = gradEnabled;
  gradEnabled = false; // backward rules compose ops; they must not record
  try {
    for (const t of topologicalOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      if (!t.gradFn) {
        t.grad = t.grad ? addGrads(t.grad, g) : g.shape === t.shape ? g : g.withShape(t.shape);
        continue;
      }
      grads.delete(t); // free intermediate gradients as soon as they are consumed
      const inputGrads = t.gradFn.backward(
        g,
        t.gradFn.inputs.map((i) => i.requiresGrad),
      );
      t.gradFn.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        if (gi.size !== input.size) {
          throw new Error(
            `autograd: ${t.gradFn!.name} returned a gradient of shape [${gi.shape.join(', ')}] for an input of shape [${input.shape.join(', ')}]`,
          );
        }
        const prev = grads.get(input);
        grads.set(input, prev ? addGrads!(prev, gi) : gi);
      });
    }
  } finally {
    gradEnabled = previous;
  }
}
