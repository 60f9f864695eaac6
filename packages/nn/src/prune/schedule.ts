// Gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune"): the sparsity rises from
// s_i to s_f over training steps along s_t = s_f + (s_i - s_f)(1 - (t - t0)/(T - t0))^3, and the model
// is pruned to s_t every `frequency` steps; the trainer calls `step(t)` after each optimizer step.
import type { Module } from '../module';
import { checkSparsity, prune, PruneScope, SparsityReport } from './prune';

/** Options of {@link polynomialSparsity} and {@link GradualPruning}. */
export interface PolynomialSparsityOptions {
  /** s_i, the sparsity at `beginStep` (default 0). */
  initialSparsity?: number;
  /** s_f, the sparsity reached at `endStep` and kept after it. */
  finalSparsity: number;
  /** t0, the step pruning starts at (default 0). */
  beginStep?: number;
  /** T, the step the final sparsity is reached at (> beginStep). */
  endStep: number;
  /** The exponent of the polynomial (default 3, as in Zhu & Gupta). */
  exponent?: number;
}

function checkStep(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new Error(`${op}: ${name} must be an integer >= 0, got ${String(v)}`);
  return v;
}

function resolve(op: string, o: PolynomialSparsityOptions): Required<PolynomialSparsityOptions> {
  if (!o || typeof o !== 'object') throw new Error(`${op}: options { finalSparsity, endStep } are required`);
  const initialSparsity = checkSparsity(`${op} (initialSparsity)`, o.initialSparsity ?? 0);
  const finalSparsity = checkSparsity(`${op} (finalSparsity)`, o.finalSparsity);
  if (finalSparsity < initialSparsity)
    throw new Error(`${op}: finalSparsity ${finalSparsity} is below initialSparsity ${initialSparsity}`);
  const beginStep = checkStep(op, 'beginStep', o.beginStep ?? 0);
  const endStep = checkStep(op, 'endStep', o.endStep);
  if (endStep <= beginStep) throw new Error(`${op}: endStep ${endStep} must be after beginStep ${beginStep}`);
  const exponent = o.exponent ?? 3;
  if (typeof exponent !== 'number' || !(exponent > 0) || !Number.isFinite(exponent))
    throw new Error(`${op}: exponent must be a finite number > 0, got ${String(exponent)}`);
  return { initialSparsity, finalSparsity, beginStep, endStep, exponent };
}

/**
 * Zhu & Gupta's sparsity at training step `step`: s_f + (s_i - s_f)(1 - (t - t0)/(T - t0))^3, with s_i
 * before t0 and s_f from T on. Throws naming a bad option (a sparsity outside [0, 1), T <= t0).
 */
export function polynomialSparsity(step: number, options: PolynomialSparsityOptions): number {
  const o = resolve('polynomialSparsity', options);
  if (typeof step !== 'number' || Number.isNaN(step)) throw new Error(`polynomialSparsity: step is ${String(step)}`);
  const progress = Math.min(1, Math.max(0, (step - o.beginStep) / (o.endStep - o.beginStep)));
  return o.finalSparsity + (o.initialSparsity - o.finalSparsity) * Math.pow(1 - progress, o.exponent);
}

/** Options of {@link GradualPruning}. */
export interface GradualPruningOptions extends PolynomialSparsityOptions {
  /** Prune every this many steps between beginStep and endStep (Δt; default 1). endStep always prunes. */
  frequency?: number;
  /** As in {@link prune} (default 'global'). */
  scope?: PruneScope;
}

/**
 * Gradual pruning of `model` on Zhu & Gupta's schedule: call `step(t)` after the optimizer step of
 * training step t (0-based); at t0, t0 + Δt, ... and at T it prunes the model to `sparsityAt(t)`
 * (weights pruned earlier stay pruned) and returns the sparsity report, otherwise null.
 *
 * @example
 * const pruner = new GradualPruning(model, { finalSparsity: 0.9, beginStep: 100, endStep: 1000, frequency: 50 });
 * for (let t = 0; t < steps; t++) { ...; optimizer.step(); pruner.step(t); }
 */
export class GradualPruning {
  private readonly options: Required<PolynomialSparsityOptions>;
  readonly frequency: number;
  readonly scope: PruneScope;

  constructor(
    readonly model: Module,
    options: GradualPruningOptions,
  ) {
    this.options = resolve('GradualPruning', options);
    const frequency = options.frequency ?? 1;
    if (!Number.isSafeInteger(frequency) || frequency < 1)
      throw new Error(`GradualPruning: frequency must be an integer >= 1, got ${String(frequency)}`);
    this.frequency = frequency;
    this.scope = options.scope ?? 'global';
  }

  /** The scheduled sparsity at step t. */
  sparsityAt(step: number): number {
    return polynomialSparsity(step, this.options);
  }

  /** Whether step t prunes: t0 <= t <= T and (t - t0) a multiple of the frequency, or t = T. */
  isPruningStep(step: number): boolean {
    const { beginStep, endStep } = this.options;
    if (step < beginStep || step > endStep) return false;
    return step === endStep || (step - beginStep) % this.frequency === 0;
  }

  /** Prunes the model to `sparsityAt(t)` when t is a pruning step; returns the report then, else null. */
  step(step: number): SparsityReport | null {
    checkStep('GradualPruning.step', 'step', step);
    if (!this.isPruningStep(step)) return null;
    return prune(this.model, { sparsity: this.sparsityAt(step), scope: this.scope });
  }
}
