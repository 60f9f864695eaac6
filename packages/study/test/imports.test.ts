// The study package's module graph: no import circle (type-only imports included: a results type imported
// back by the module that produces it is a circle too), and no study folder reaching into another's.
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.resolve(__dirname, '..', 'src');

/** Every .ts file under `dir`, absolute. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The relative imports of a file, resolved to files. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (hit) out.push(hit);
  }
  return out;
}

/** Cycles of the graph (each as a list of files, relative to src), by depth-first search. */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(SRC, x)));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('packages/study imports', () => {
  const files = sources(SRC);

  it('form no circle, index files aside (a barrel re-exporting its folder is not a dependency)', () => {
    const withoutBarrels = files.filter((f) => path.basename(f) !== 'index.ts' || path.dirname(f) === SRC);
    expect(cycles(withoutBarrels.filter((f) => f !== path.join(SRC, 'index.ts')))).toEqual([]);
  });

  // learnability is how loss-generalization's data and budget were calibrated: it trains that study's spec.
  const ALLOWED: Record<string, string[]> = { learnability: ['loss_generalization'] };

  it('keep each study in its own folder: a study imports the framework, kit, claims and measures, never another study', () => {
    const studies = path.join(SRC, 'studies');
    const crossing = files
      .filter((f) => f.startsWith(studies + path.sep))
      .flatMap((f) => {
        const own = path.relative(studies, f).split(path.sep)[0];
        return importsOf(f)
          .filter((g) => {
            const theirs = path.relative(studies, g).split(path.sep)[0];
            return g.startsWith(studies + path.sep) && theirs !== own && !(ALLOWED[own] ?? []).includes(theirs);
          })
          .map((g) => `${path.relative(SRC, f)} -> ${path.relative(SRC, g)}`);
      });
    expect(crossing).toEqual([]);
  });
});
