// What nodulab's package sources load, read with TypeScript's parser: the workspace packages and their declared
// @nodulab dependencies, every module a source file names (import, export from, require, import(), a string
// that names a package or a path into one), and the import circles among one package's files.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** A workspace package: its folder (relative to the root), its name and the @nodulab packages it declares. */
export interface WorkspacePackage {
  dir: string;
  name: string;
  deps: string[];
}

/** One thing a source file loads or names: a module specifier, or null for a `require` of a computed path. */
export interface SourceReference {
  file: string;
  line: number;
  /** 'import' (also export from, import =, import()), 'require' (also require.resolve), 'string' (other literals). */
  kind: 'import' | 'require' | 'string';
  specifier: string | null;
  /** Only types are imported (no module is loaded at run time). */
  typeOnly: boolean;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** The workspace packages of the repository at `root` (its package.json `workspaces`: `dir` or `dir/*`), by folder. */
export function workspacePackages(root: string): WorkspacePackage[] {
  const globs: string[] = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces ?? [];
  const dirs = globs.flatMap((g) => {
    if (!g.endsWith('/*')) return [g];
    const parent = g.slice(0, -2);
    return fs.readdirSync(path.join(root, parent)).map((d) => `${parent}/${d}`);
  });
  return dirs
    .filter((dir) => fs.existsSync(path.join(root, dir, 'package.json')))
    .sort()
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((d) =>
        d.startsWith('@nodulab/'),
      );
      return { dir, name: pkg.name as string, deps };
    });
}

/** Every package `name` reaches through its declared dependencies (not itself, unless there is a cycle). */
export function reachable(packages: WorkspacePackage[], name: string): Set<string> {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const d of byName.get(n)?.deps ?? [])
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
  };
  visit(name);
  return seen;
}

/** The source files under `dir`, recursively, sorted. */
export function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function isRequire(e: ts.Expression): boolean {
  if (ts.isIdentifier(e)) return e.text === 'require';
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require';
}

function importIsTypeOnly(n: ts.ImportDeclaration): boolean {
  const c = n.importClause;
  if (!c) return false;
  if (c.isTypeOnly) return true;
  const b = c.namedBindings;
  return !c.name && !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

/** Everything `file` loads or names (see {@link SourceReference}). */
export function sourceReferences(file: string): SourceReference[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: SourceReference[] = [];
  const claimed = new Set<ts.Node>();
  const add = (node: ts.Node, kind: SourceReference['kind'], specifier: string | null, typeOnly = false) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ file, line, kind, specifier, typeOnly });
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      if (ts.isStringLiteral(n.moduleSpecifier)) {
        claimed.add(n.moduleSpecifier);
        add(n, 'import', n.moduleSpecifier.text, ts.isImportDeclaration(n) ? importIsTypeOnly(n) : n.isTypeOnly);
      }
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      if (ts.isStringLiteral(e)) {
        claimed.add(e);
        add(n, 'import', e.text, n.isTypeOnly);
      }
    } else if (
      ts.isCallExpression(n) &&
      (isRequire(n.expression) || n.expression.kind === ts.SyntaxKind.ImportKeyword)
    ) {
      const kind = n.expression.kind === ts.SyntaxKind.ImportKeyword ? 'import' : 'require';
      const arg = n.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) {
        claimed.add(arg);
        add(n, kind, arg.text);
      } else add(n, kind, null);
    } else if (ts.isStringLiteralLike(n) && !claimed.has(n)) add(n, 'string', n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * The workspace package that `specifier`, written in `file`, points into: a `@nodulab/<name>` package, or a
 * relative path that resolves into a package's folder (`root` is the repository's); null for anything else.
 */
export function targetPackage(
  packages: WorkspacePackage[],
  root: string,
  file: string,
  specifier: string,
): WorkspacePackage | null {
  const named = /^(@nodulab\/[a-z0-9-]+)(\/|$)/.exec(specifier);
  if (named) return packages.find((p) => p.name === named[1]) ?? null;
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null;
  const target = path.resolve(path.dirname(file), specifier);
  const inside = (dir: string) => !path.relative(path.join(root, dir), target).startsWith('..');
  return packages.find((p) => inside(p.dir)) ?? null;
}

/**
 * The layering breaches of the repository at `root`, one line each: a package's `src` loading or naming (by
 * package name or by a path into its folder) a package it does not depend on, directly or through its
 * dependencies (a package above it, beside it, or undeclared), and a `require` of a computed path, which no
 * reader or scan can follow.
 */
export function layeringBreaches(root: string): string[] {
  const packages = workspacePackages(root);
  const out: string[] = [];
  for (const p of packages) {
    const allowed = reachable(packages, p.name);
    for (const file of sourceFiles(path.join(root, p.dir, 'src'))) {
      const where = (r: SourceReference) => `${path.relative(root, r.file)}:${r.line}`;
      for (const r of sourceReferences(file)) {
        if (r.specifier === null) {
          if (r.kind === 'require') out.push(`${where(r)}: ${p.name} requires a computed path`);
          continue;
        }
        const q = targetPackage(packages, root, file, r.specifier);
        if (!q || q.name === p.name || allowed.has(q.name)) continue;
        const relation = reachable(packages, q.name).has(p.name)
          ? `a package above it (${q.name} depends on ${p.name})`
          : `a package it does not depend on (add it to ${p.dir}/package.json if it belongs below)`;
        const how = r.kind === 'string' ? 'names' : 'loads';
        out.push(`${where(r)}: ${p.name} ${how} "${r.specifier}" of ${q.name}, ${relation}`);
      }
    }
  }
  return out;
}

/** The dependency cycles among the packages' declared @nodulab dependencies (each as names). */
export function packageCycles(root: string): string[][] {
  const packages = workspacePackages(root);
  return stronglyConnected(new Map(packages.map((p) => [p.name, p.deps])));
}

/**
 * The import circles among the source files under `srcDir` (relative imports and re-exports, type-only ones
 * included: a circle of types is still a circle of the design), each as paths relative to `srcDir`, sorted.
 */
export function importCircles(srcDir: string): string[][] {
  const files = sourceFiles(srcDir);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const r of sourceReferences(f)) {
      if (r.kind === 'string' || !r.specifier?.startsWith('.')) continue;
      const base = path.resolve(path.dirname(f), r.specifier);
      const hit = ['.ts', '.js', '/index.ts', '/index.js', ''].map((e) => base + e).find((c) => files.includes(c));
      if (hit) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return stronglyConnected(graph).map((c) => c.map((f) => path.relative(srcDir, f)).sort());
}

/** The strongly connected components of more than one node, or of one node that names itself (Tarjan). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return out;
}
