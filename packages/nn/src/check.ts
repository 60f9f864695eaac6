// Argument checks shared by layers, schedulers and models; errors name the owner and the argument.

/** Returns n; throws `${owner}: ${name} must be a positive integer, got n` otherwise. */
export function checkPositiveInt(owner: string, name: string, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${owner}: ${name} must be a positive integer, got ${n}`);
  return n;
}

/** Returns v; throws `${owner}: ${name} must be a finite number >= 0, got v` otherwise. */
export function checkNonNegative(owner: string, name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`${owner}: ${name} must be a finite number >= 0, got ${v}`);
  return v;
}
