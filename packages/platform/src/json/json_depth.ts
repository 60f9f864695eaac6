// JSON text nesting bound: a linear scan that counts open arrays/objects outside strings, so deeply
// nested input gets "<source>: nested deeper than N" instead of a stack overflow in a later recursive walk.

/** The nesting depth every nodulab JSON reader allows (specs, configs, manifests, ONNX metadata). */
export const MAX_JSON_DEPTH = 64;

/** Throws `${source}: nested deeper than ${max}` when `text` opens more than `max` nested arrays/objects. */
export function checkJsonDepth(text: string, source: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new Error(`${source}: nested deeper than ${max}`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** The depth of a parsed JSON value (a scalar is 0), without recursion; stops counting past `max + 1`. */
export function jsonValueDepth(value: unknown, max = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d + 1);
    if (deepest > max) return deepest;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** JSON.parse with the nesting bound; parse errors read `${source}: not valid JSON: <reason>`. */
export function parseJsonBounded(text: string, source: string, max = MAX_JSON_DEPTH): unknown {
  checkJsonDepth(text, source, max);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${source}: not valid JSON: ${(e as Error).message}`);
  }
}
