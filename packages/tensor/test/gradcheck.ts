// Test helper: float32 autograd gradients against float32 central finite differences, with the
// "autograd" tolerances of native/test/tolerances.json (default plus per-op overrides).
import { Tensor, noGrad } from '../src';
import { TOLERANCES } from './tolerances';

const tolerances = TOLERANCES;

/** Finite-difference settings for `name` in section "autograd". */
export interface AutogradTolerance {
  eps: number;
  atol: number;
  rtol: number;
  max_checked: number;
}

export function autogradTolerance(name: string): AutogradTolerance {
  return { ...tolerances.autograd.default, ...(tolerances.autograd[name] ?? {}) };
}

/**
 * Runs f() (a one-element tensor) backward, then perturbs up to max_checked elements of each input
 * (spread evenly) by +-eps and compares (f+ - f-) / (x+ - x-) with the analytic gradient.
 * Returns the mismatches as readable strings (empty when all agree).
 */
export function gradientMismatches(name: string, inputs: Tensor[], f: () => Tensor): string[] {
  const tol = autogradTolerance(name);
  for (const x of inputs) x.grad = null;
  f().backward();
  const bad: string[] = [];
  inputs.forEach((x, which) => {
    const analytic = x.grad ? x.grad.data : new Float32Array(x.size);
    const checks = Math.min(x.size, tol.max_checked);
    for (let c = 0; c < checks; c++) {
      const i = checks === x.size ? c : Math.min(x.size - 1, Math.floor((c * x.size) / checks) + (c % 3));
      const saved = x.data[i];
      x.data[i] = saved + tol.eps;
      const up = x.data[i];
      const fp = noGrad(f).item();
      x.data[i] = saved - tol.eps;
      const down = x.data[i];
      const fm = noGrad(f).item();
      x.data[i] = saved;
      const numeric = (fp - fm) / (up - down);
      if (!(Math.abs(numeric - analytic[i]) <= tol.atol + tol.rtol * Math.abs(numeric))) {
        bad.push(`${name}: input ${which} d/dx[${i}] analytic ${analytic[i]} vs finite difference ${numeric}`);
      }
    }
  });
  return bad;
}
