// The Study interface: what every study provides, so that one runner, one queue, one CLI command and one
// claims engine serve all of them. A study is a folder under studies/ that exports one Study object,
// plus one line in registry.ts.
import type { ClaimInput, ControlInput, Findings } from '../claims';

/**
 * One unit of a study's grid: what one queue worker runs (e.g. one loss trained on one seed's data, or
 * one seed of a study whose seeds share models). `id` names its folder (runs/<id>/), so it is made of
 * [A-Za-z0-9._-] only. `needs` lists units whose folders and results this one reads; they come earlier
 * in the plan.
 */
export interface StudyUnit {
  id: string;
  needs?: readonly string[];
}

/** Training progress a unit reports (a progress bar's worth). */
export interface UnitProgress {
  stage: string;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number;
}

/** What a running study tells its user. Every study emits these and only these. */
export type StudyEvent =
  | { kind: 'phase'; message: string }
  | { kind: 'unit-start'; index: number; total: number; unit: string }
  | { kind: 'progress'; index: number; total: number; unit: string; progress: UnitProgress }
  | { kind: 'unit-end'; index: number; total: number; unit: string; seconds: number };

/** A finished unit that another unit needs: its folder (read only) and its result. */
export interface FinishedUnit<R> {
  dir: string;
  result: R;
}

/** What a unit runs with. */
export interface UnitContext<R> {
  /** This unit's folder, created and empty. The unit writes only here. */
  dir: string;
  /** The units named in `needs`, finished. */
  needs: ReadonlyMap<string, FinishedUnit<R>>;
  /** Stops the unit after its current training step; the unit then rejects. */
  signal?: AbortSignal;
  phase(message: string): void;
  progress(p: UnitProgress): void;
  /**
   * A cache this process keeps between units of the same study and spec (e.g. one seed's generated test
   * data, shared by the losses trained on it). What is cached must not change a unit's bytes.
   */
  cache: Map<string, unknown>;
}

/** A unit's result as the summary receives it: the unit, its result, its folder relative to the study folder. */
export interface UnitOutcome<U extends StudyUnit, R> {
  unit: U;
  result: R;
  dir: string;
}

/** A study-specific CLI option of `nodulab study <name>`; it changes the spec input before resolution. */
export interface StudyOption {
  type: 'string' | 'integer' | 'number' | 'boolean';
  description: string;
  min?: number;
  apply(input: Record<string, unknown>, value: string | number | boolean): Record<string, unknown>;
}

/** What a study writes as metrics.json and hands to its report: results, findings and the resolved spec. */
export interface StudyOutput<S, Res> {
  study: string;
  spec: S;
  results: Res;
  findings: Findings;
}

/** The controls and claims a study hands to the claims engine. */
export interface StudyClaims {
  controls: ControlInput[];
  claims: ClaimInput[];
}

/**
 * A study. S: its resolved spec (JSON); U: a unit of its grid; R: a unit's result (JSON, no wall-clock
 * values, paths relative to the unit folder); Res: the summary over units (JSON, no wall-clock values).
 */
export interface Study<S = unknown, U extends StudyUnit = StudyUnit, R = unknown, Res = unknown> {
  /** The name users type: `nodulab study <name>`. */
  readonly name: string;
  /** One line for `nodulab study --help`. */
  readonly summary: string;
  /** Its JSON Schema file under schemas/ (emitted from its zod schema by `npm run schemas`). */
  readonly schemaFile: string;
  /** The zod schema of its spec input, for the JSON Schema file. */
  readonly specSchema: import('zod').ZodType;
  /** The built-in spec, as a user would write it in JSON. */
  defaultInput(): Record<string, unknown>;
  /** --quick: every stage at toy size, for tests and a first look. */
  quick(input: Record<string, unknown>): Record<string, unknown>;
  /** --seeds N: seeds 0..N-1. */
  withSeeds(input: Record<string, unknown>, count: number): Record<string, unknown>;
  /** --threads N. */
  withThreads(input: Record<string, unknown>, threads: number): Record<string, unknown>;
  /** Options of its own, beyond the shared ones. */
  readonly options?: Readonly<Record<string, StudyOption>>;
  /**
   * The resolved spec of an input; throws StudySpecError naming every problem by path. Reads preset and
   * spec files but writes nothing. Idempotent: resolve(resolve(x)) equals resolve(x).
   */
  resolve(input: unknown): S;
  /** Kernel threads every unit runs with (part of what makes its bytes). */
  threads(spec: S): number;
  /** Seeds, for the run's headline. */
  seeds(spec: S): readonly number[];
  /** The grid, in the order the in-process runner runs it (every unit after the units it needs). */
  plan(spec: S): U[];
  /**
   * What determines a unit's bytes, hashed into its queue job id (default: the whole spec and the unit).
   * A study may leave out what its unit does not read, so a unit is trained once across specs.
   */
  unitKey?(spec: S, unit: U): unknown;
  /** Runs one unit into ctx.dir. Same spec, unit and threads give the same bytes. */
  runUnit(spec: S, unit: U, ctx: UnitContext<R>): Promise<R>;
  /** The summary over every unit's outcome (in plan order). */
  summarize(spec: S, outcomes: readonly UnitOutcome<U, R>[]): Res;
  /** Its controls and claims, as data, for the claims engine. */
  claims(spec: S, results: Res): StudyClaims;
  /** The terminal summary printed when it ends. */
  text(output: StudyOutput<S, Res>, outDir: string): string;
  /** report.html. */
  report(output: StudyOutput<S, Res>): string;
  /** Further files beside metrics.json (CSV of per-sample outputs, .npy embeddings): name -> bytes. */
  files?(output: StudyOutput<S, Res>, outcomes: readonly UnitOutcome<U, R>[]): Record<string, string | Uint8Array>;
}

/** Any study, for the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStudy = Study<any, any, any, any>;

/** Thrown for a malformed study spec: every problem, by path. */
export class StudySpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid study spec:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StudySpecError';
  }
}
