// The hash of a JSON config: SHA-256 of the config with object keys sorted recursively. ONNX export
// stamps models with it and the study queue names each run's job by it.
import { createHash } from 'crypto';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) o[k] = canonical((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/**
 * The config hash: "sha256:" + SHA-256 (hex) of `config` as JSON with object keys sorted
 * recursively (so key order does not matter; undefined fields are dropped as JSON.stringify does).
 * Equal configs give equal hashes. Returns "none" for undefined; throws when not JSON-serializable.
 */
export function configHash(config: unknown): string {
  if (config === undefined) return 'none';
  const json = JSON.stringify(canonical(config));
  if (json === undefined) throw new Error('configHash: the config is not JSON-serializable');
  return `sha256:${createHash('sha256').update(json).digest('hex')}`;
}
