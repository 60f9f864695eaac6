// Learning-rate schedules in closed form (StepLR, CosineAnnealingLR, LinearWarmup), each setting
// `lr` of every optimizer parameter group on step(), with a state dict for resume.
import type { OptimizerLike } from './optim/optimizer';
import { checkNonNegative, checkPositiveInt } from './check';

type AnyOptimizer = OptimizerLike;

/** A scheduler's resumable state. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
}

/**
 * Base class, like `torch.optim.lr_scheduler.LRScheduler`: construction sets epoch 0's rates;
 * call `step()` once per epoch (or iteration) after `optimizer.step()`.
 * Subclasses give a group's rate at any epoch in closed form (`rate`), so a resumed
 * schedule continues exactly.
 */
export abstract class LRScheduler {
  /** The group learning rates at epoch 0 (the optimizer's rates when the first scheduler was attached). */
  readonly baseLrs: number[];
  /** Epochs stepped so far (0 right after construction). */
  lastEpoch = -1;

  constructor(readonly optimizer: AnyOptimizer) {
    // Like PyTorch's 'initial_lr': a second scheduler on the same optimizer sees the same base rates.
    this.baseLrs = optimizer.paramGroups.map((g) => {
      const tagged = g as unknown as { initialLr?: number };
      if (tagged.initialLr === undefined)
        Object.defineProperty(g, 'initialLr', { value: g.lr, enumerable: false, writable: true });
      return tagged.initialLr as number;
    });
  }

  /** The learning rate at `epoch` of a group whose rate at epoch 0 is `base`: the schedule in closed form. */
  abstract rate(base: number, epoch: number): number;

  /** Each group's learning rate at `epoch`. */
  lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => this.rate(b, epoch));
  }

  /** Advances one epoch and writes the new rates into the optimizer. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  /** The rates set by the last step. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /**
   * Restores the epoch counter and base rates, and sets the optimizer's rates for that epoch. Throws,
   * changing nothing, unless lastEpoch is an integer >= 0 and baseLrs holds one finite rate >= 0 per group.
   */
  loadStateDict(sd: SchedulerStateDict): void {
    if (
      !sd ||
      !Number.isInteger(sd.lastEpoch) ||
      sd.lastEpoch < 0 ||
      !Array.isArray(sd.baseLrs) ||
      sd.baseLrs.length !== this.baseLrs.length ||
      !sd.baseLrs.every((lr) => typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)
    ) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: expected { lastEpoch, baseLrs[${this.baseLrs.length}] }, got ${JSON.stringify(sd)}`,
      );
    }
    this.lastEpoch = sd.lastEpoch;
    sd.baseLrs.forEach((lr, i) => (this.baseLrs[i] = lr));
    this.apply();
  }

  private apply(): void {
    const lrs = this.lrAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
  }

  /** Starts the schedule (sets epoch 0); subclasses call it at the end of their constructor. */
  protected start(): void {
    this.step();
  }
}

/** lr = base * gamma^floor(epoch / stepSize), like `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    super(optimizer);
    checkPositiveInt('StepLR', 'stepSize', stepSize);
    checkNonNegative('StepLR', 'gamma', gamma);
    this.start();
  }

  override rate(base: number, epoch: number): number {
    return base * Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
  }
}

/**
 * lr = etaMin + (base - etaMin) * (1 + cos(pi * epoch / tMax)) / 2, like
 * `torch.optim.lr_scheduler.CosineAnnealingLR` (its closed form).
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly tMax: number,
    readonly etaMin = 0,
  ) {
    super(optimizer);
    checkPositiveInt('CosineAnnealingLR', 'tMax', tMax);
    checkNonNegative('CosineAnnealingLR', 'etaMin', etaMin);
    this.start();
  }

  override rate(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/**
 * Linear warm-up: lr = base * (epoch + 1) / warmupSteps for the first warmupSteps epochs, then
 * `after`'s schedule shifted by warmupSteps (or the base rate if none). Build `after` on the same
 * optimizer first and pass it here; step only this wrapper.
 */
export class LinearWarmup extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly warmupSteps: number,
    readonly after: LRScheduler | null = null,
  ) {
    super(optimizer);
    checkPositiveInt('LinearWarmup', 'warmupSteps', warmupSteps);
    if (after && after.optimizer !== optimizer)
      throw new Error('LinearWarmup: `after` must schedule the same optimizer');
    this.start();
  }

  override rate(base: number, epoch: number): number {
    if (epoch < this.warmupSteps) return (base * (epoch + 1)) / this.warmupSteps;
    return this.after ? this.after.rate(base, epoch - this.warmupSteps) : base;
  }
}
