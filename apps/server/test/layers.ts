/**
 * The layer rules of docs/architecture.md, checked over the imports of every source file, so that a
 * rule broken in code fails a test instead of drifting from the document. Used by layers.test.ts.
 *
 * Decisions (what the rules allow, and why):
 * - The database layer is the ORM (`drizzle-orm`, `drizzle-kit`), the drivers (`pg`,
 *   `@electric-sql/pglite`) and `src/db/schema.ts`. Only `repo.ts` files, `src/db/` itself, the
 *   migrations config (`drizzle.config.ts`) and tests import it. `src/db/client.ts` is not part of it:
 *   it only hands out the `Db` handle, `transaction()` and error codes, which services need to pass a
 *   transaction along, so any server file may import it; composition roots (`cli.ts`, `demo.ts`, `demo-cases.ts`,
 *   `services.ts`, `app.ts`) open the database through it, never through the schema.
 * - Tests (`test/` and `*.test.ts`) may inspect the database directly and wire anything: the server
 *   rules do not apply to them. The web and core rules do (a test must not make the web app depend
 *   on the server either).
 * - A domain is a folder under `apps/server/src` other than `db`, `http`, `access` and `test`. Its
 *   route files (`routes.ts`, `*-routes.ts`) are HTTP; everything else in it (services, repositories,
 *   helpers, the outbox worker) must not know the HTTP framework (`fastify`, `fastify-*`,
 *   `@fastify/*`) nor `src/http/`. Neither may `src/errors.ts` and `src/i18n.ts`, which services share.
 * - A repository is used only by its own domain: any other server file that is not a composition
 *   root or a test goes through the domain's service (or another non-repository module of it).
 * - The web app (`apps/web`) shares only `@kakehashi/core` with the rest of the repository: no
 *   import of another `@kakehashi/*` package, and no relative path leaving `apps/web`.
 * - `packages/core` imports nothing from the apps: no `@kakehashi/*` package other than itself, and
 *   no relative path leaving `packages/core`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  path: string;
  text: string;
}

export interface ImportRef {
  specifier: string;
  line: number;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'test-results', 'playwright-report']);

/** Every source file under the given repository-relative folders (dependencies and build output skipped). */
export function readSources(root: string, folders: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) walk(child);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ path: child, text: readFileSync(path.join(root, child), 'utf8') });
      }
    }
  };
  for (const folder of folders) walk(folder);
  return out;
}

/**
 * The module specifiers a file refers to, from its syntax tree: `import`, `import type`, `export … from`,
 * `import x = require()`, `require()`, `import()`, `import('…').T` types and `declare module '…'`
 * augmentations (augmenting Fastify's types is depending on Fastify).
 */
export function importsOf(file: SourceFile): ImportRef[] {
  const kind = file.path.endsWith('x') ? ts.ScriptKind.TSX : file.path.endsWith('.ts') || file.path.endsWith('.mts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) refs.push({ specifier: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) add(node.name);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) add(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

const SERVER_SRC = 'apps/server/src/';
const NOT_DOMAINS = new Set(['db', 'http', 'access', 'test']);
const COMPOSITION_ROOTS = new Set(['cli.ts', 'demo.ts', 'demo-cases.ts', 'services.ts', 'app.ts'].map((f) => SERVER_SRC + f));
const SHARED_BY_SERVICES = new Set(['errors.ts', 'i18n.ts'].map((f) => SERVER_SRC + f));
const DATABASE_PACKAGES = ['drizzle-orm', 'drizzle-kit', 'pg', '@electric-sql/pglite'];
const SCHEMA = `${SERVER_SRC}db/schema`;

const packageIs = (spec: string, name: string) => spec === name || spec.startsWith(`${name}/`);
const isRelative = (spec: string) => spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..';
const withoutExtension = (p: string) => p.replace(/\.(?:[cm]?[jt]s|tsx|jsx)$/, '');

/** The repository-relative path a relative specifier points to (extension kept as written). */
function resolve(from: string, spec: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
}

/** The domain folder of a server source file, or null when it is not in one. */
function domainOf(file: string): string | null {
  if (!file.startsWith(SERVER_SRC)) return null;
  const parts = file.slice(SERVER_SRC.length).split('/');
  return parts.length > 1 && !NOT_DOMAINS.has(parts[0]) ? parts[0] : null;
}

const isTest = (file: string) => file.startsWith('apps/server/test/') || /\.test\.[cm]?[jt]sx?$/.test(file);
const isRepo = (file: string) => path.posix.basename(withoutExtension(file)) === 'repo';
const isRouteFile = (file: string) => /(?:^|-)routes\.ts$/.test(path.posix.basename(file));

function serverViolations(file: string, ref: ImportRef): string[] {
  if (isTest(file)) return [];
  const spec = ref.specifier;
  const target = isRelative(spec) ? resolve(file, spec) : null;
  const found: string[] = [];

  const database = DATABASE_PACKAGES.some((p) => packageIs(spec, p)) || (target !== null && withoutExtension(target) === SCHEMA);
  const databaseAllowed = isRepo(file) || file.startsWith(`${SERVER_SRC}db/`) || file === 'apps/server/drizzle.config.ts';
  if (database && !databaseAllowed) found.push('only repo.ts files (and src/db/, drizzle.config.ts, tests) may use the ORM, the drivers or db/schema.ts');

  const domain = domainOf(file);
  const serviceSide = (domain !== null && !isRouteFile(file)) || SHARED_BY_SERVICES.has(file);
  const http = packageIs(spec, 'fastify') || spec.startsWith('fastify-') || spec.startsWith('@fastify/') || (target !== null && target.startsWith(`${SERVER_SRC}http/`));
  if (serviceSide && http) found.push('services and repositories must not depend on HTTP (fastify, @fastify/*, src/http/): only routes.ts and *-routes.ts may');

  if (target !== null && isRepo(target) && !COMPOSITION_ROOTS.has(file)) {
    const owner = domainOf(target);
    if (owner !== null && owner !== domain) found.push(`another domain's repository: go through the ${owner} service (only cli.ts, demo.ts, demo-cases.ts and services.ts wire repositories across domains)`);
  }
  return found;
}

function webViolations(file: string, ref: ImportRef): string[] {
  const spec = ref.specifier;
  if (isRelative(spec) && !resolve(file, spec).startsWith('apps/web/')) return ['the web app imports only its own files and @kakehashi/core'];
  if (spec.startsWith('@kakehashi/') && !packageIs(spec, '@kakehashi/core')) return ['the web app shares only @kakehashi/core with the server side'];
  return [];
}

function coreViolations(file: string, ref: ImportRef): string[] {
  const spec = ref.specifier;
  if (isRelative(spec) && !resolve(file, spec).startsWith('packages/core/')) return ['packages/core must not import from outside itself (the apps depend on it, not the reverse)'];
  if (spec.startsWith('@kakehashi/') && !packageIs(spec, '@kakehashi/core')) return ['packages/core must not import the apps'];
  return [];
}

/** Every broken layer rule in the given files, one entry per import and rule. */
export function checkLayers(files: SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const rules = file.path.startsWith('apps/server/') ? serverViolations : file.path.startsWith('apps/web/') ? webViolations : file.path.startsWith('packages/core/') ? coreViolations : null;
    if (!rules) continue;
    for (const ref of importsOf(file)) {
      for (const rule of rules(file.path, ref)) violations.push({ file: file.path, line: ref.line, specifier: ref.specifier, rule });
    }
  }
  return violations;
}

/** One line per violation: `file:line imports 'x': rule`. */
export const formatViolations = (violations: Violation[]) => violations.map((v) => `${v.file}:${v.line} imports '${v.specifier}': ${v.rule}`).join('\n');
