import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, formatViolations, importsOf, readSources, type SourceFile } from './layers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const file = (p: string, text: string): SourceFile => ({ path: p, text });
const broken = (files: SourceFile[]) => checkLayers(files).map((v) => `${v.file}:${v.line} ${v.specifier}`);

describe('layers', () => {
  it('holds in the repository: every import follows the rules of docs/architecture.md', () => {
    const sources = readSources(ROOT, ['apps/server', 'apps/web', 'packages/core']);
    // Sanity: the walk found the tree, so an empty result means something.
    expect(sources.some((s) => s.path === 'apps/server/src/cases/service.ts')).toBe(true);
    expect(sources.some((s) => s.path.startsWith('apps/web/src/'))).toBe(true);
    expect(sources.some((s) => s.path.startsWith('packages/core/src/'))).toBe(true);
    // Compared as text: a failure lists each broken rule as `file:line imports 'x': rule`.
    expect(formatViolations(checkLayers(sources))).toBe('');
  });

  it('reads every kind of import: type-only, re-exports, multi-line, dynamic, require and import types', () => {
    const specs = importsOf(
      file(
        'apps/server/src/x/a.ts',
        [
          "import type { A } from './a.ts';",
          "import {\n  b,\n  c,\n} from './b.ts';",
          "export { d } from './d.ts';",
          "export * from './e.ts';",
          "import './f.ts';",
          "const g = await import('./g.ts');",
          "import h = require('./h.ts');",
          "const i = require('./i.ts');",
          "type J = import('./j.ts').J;",
          "declare module 'k' { interface K { k: string } }",
          "// import { nope } from './comment.ts';",
          "const s = \"import { nope } from './string.ts'\";",
        ].join('\n'),
      ),
    );
    expect(specs.map((s) => s.specifier)).toEqual(['./a.ts', './b.ts', './d.ts', './e.ts', './f.ts', './g.ts', './h.ts', './i.ts', './j.ts', 'k']);
    expect(specs.find((s) => s.specifier === './b.ts')?.line).toBe(5);
  });

  it('fails on the ORM or the schema imported outside repo.ts, naming file and import', () => {
    const violations = checkLayers([
      file('apps/server/src/cases/service.ts', "import { eq } from 'drizzle-orm';\nimport type { cases } from '../db/schema.ts';"),
      file('apps/server/src/cases/routes.ts', "import { sql } from 'drizzle-orm/sql';"),
      file('apps/server/src/services.ts', "import { users } from './db/schema';"),
      file('apps/server/src/health/routes.ts', "import pg from 'pg';"),
    ]);
    expect(violations.map((v) => `${v.file}:${v.line} ${v.specifier}`)).toEqual([
      'apps/server/src/cases/service.ts:1 drizzle-orm',
      'apps/server/src/cases/service.ts:2 ../db/schema.ts',
      'apps/server/src/cases/routes.ts:1 drizzle-orm/sql',
      'apps/server/src/services.ts:1 ./db/schema',
      'apps/server/src/health/routes.ts:1 pg',
    ]);
    expect(formatViolations(violations)).toContain("apps/server/src/cases/service.ts:1 imports 'drizzle-orm': only repo.ts files");
  });

  it('lets repositories, the db folder, the migrations config and tests use the ORM, and anyone the db client', () => {
    expect(
      broken([
        file('apps/server/src/cases/repo.ts', "import { eq } from 'drizzle-orm';\nimport { cases } from '../db/schema.ts';"),
        file('apps/server/src/access/repo.ts', "import { sql } from 'drizzle-orm';"),
        file('apps/server/src/db/client.ts', "const { drizzle } = await import('drizzle-orm/pglite');\nimport * as schema from './schema.ts';"),
        file('apps/server/drizzle.config.ts', "import { defineConfig } from 'drizzle-kit';"),
        file('apps/server/test/helpers.ts', "import pg from 'pg';"),
        file('apps/server/src/cases/cases.test.ts', "import { sql } from 'drizzle-orm';"),
        file('apps/server/src/cases/service.ts', "import { transaction, type Db } from '../db/client.ts';"),
        file('apps/server/src/cli.ts', "import { openDatabase } from './db/client.ts';"),
      ]),
    ).toEqual([]);
  });

  it('fails on a service, repository or other domain module that knows HTTP', () => {
    expect(
      broken([
        file('apps/server/src/cases/service.ts', "import { translator } from '../http/i18n.ts';"),
        file('apps/server/src/cases/repo.ts', "import type { FastifyRequest } from 'fastify';"),
        file('apps/server/src/notifications/worker.ts', "import type { FastifyBaseLogger } from 'fastify';"),
        file('apps/server/src/auth/tokens.ts', "import cookie from '@fastify/cookie';\nimport fp from 'fastify-plugin';"),
        file('apps/server/src/errors.ts', "import { HTTP_STATUS } from './http/errors.ts';"),
        file('apps/server/src/users/service.ts', "declare module 'fastify' { interface FastifyRequest { x: string } }"),
      ]),
    ).toEqual([
      'apps/server/src/cases/service.ts:1 ../http/i18n.ts',
      'apps/server/src/cases/repo.ts:1 fastify',
      'apps/server/src/notifications/worker.ts:1 fastify',
      'apps/server/src/auth/tokens.ts:1 @fastify/cookie',
      'apps/server/src/auth/tokens.ts:2 fastify-plugin',
      'apps/server/src/errors.ts:1 ./http/errors.ts',
      'apps/server/src/users/service.ts:1 fastify',
    ]);
  });

  it('lets route files, src/http and the app use HTTP', () => {
    expect(
      broken([
        file('apps/server/src/cases/routes.ts', "import type { FastifyPluginAsync } from 'fastify';\nimport { route } from '../http/route.ts';"),
        file('apps/server/src/cases/triage-routes.ts', "import { actorOf } from '../http/context.ts';"),
        file('apps/server/src/http/context.ts', "import fp from 'fastify-plugin';"),
        file('apps/server/src/app.ts', "import helmet from '@fastify/helmet';"),
      ]),
    ).toEqual([]);
  });

  it("fails on a domain importing another domain's repository, and lets composition roots wire them", () => {
    expect(
      broken([
        file('apps/server/src/cases/service.ts', "import { hitRateLimit } from '../auth/repo.ts';\nimport * as repo from './repo.ts';\nimport { reserveAttempt } from '../auth/rate-limit.ts';"),
        file('apps/server/src/scheduling/routes.ts', "import type { CaseRow } from '../cases/repo';"),
        file('apps/server/src/http/context.ts', "import { findSession } from '../auth/repo.ts';"),
        file('apps/server/src/services.ts', "import { findCaseSubject } from './cases/repo.ts';"),
        file('apps/server/src/demo.ts', "import { insertUser } from './users/repo.ts';"),
        file('apps/server/src/access/gate.ts', "import { countAnonymousDenial } from './repo.ts';"),
        file('apps/server/test/helpers.ts', "import { listMessages } from '../src/notifications/repo.ts';"),
      ]),
    ).toEqual(['apps/server/src/cases/service.ts:1 ../auth/repo.ts', 'apps/server/src/scheduling/routes.ts:1 ../cases/repo', 'apps/server/src/http/context.ts:1 ../auth/repo.ts']);
  });

  it('fails on the web app importing the server side, and lets it import @kakehashi/core', () => {
    expect(
      broken([
        file('apps/web/src/lib/api.ts', "import type { Services } from '../../../server/src/services.ts';\nimport { CONTRACTS } from '@kakehashi/core';"),
        file('apps/web/src/pages/Cases.tsx', "import type { CaseRow } from '@kakehashi/server/src/cases/repo.ts';\nimport { t } from '@kakehashi/core/i18n';"),
        file('apps/web/src/App.tsx', "import { x } from '../../../packages/core/src/index.ts';\nimport { Layout } from './Layout.tsx';"),
      ]),
    ).toEqual(['apps/web/src/lib/api.ts:1 ../../../server/src/services.ts', 'apps/web/src/pages/Cases.tsx:1 @kakehashi/server/src/cases/repo.ts', 'apps/web/src/App.tsx:1 ../../../packages/core/src/index.ts']);
  });

  it('fails on packages/core importing from the apps', () => {
    expect(
      broken([
        file('packages/core/src/contracts.ts', "import type { Action } from './policy.ts';\nimport { HTTP_STATUS } from '../../../apps/server/src/http/errors.ts';"),
        file('packages/core/src/i18n/index.ts', "import { en } from './en.ts';\nimport type { Page } from '@kakehashi/web/src/pages.ts';"),
      ]),
    ).toEqual(['packages/core/src/contracts.ts:2 ../../../apps/server/src/http/errors.ts', 'packages/core/src/i18n/index.ts:2 @kakehashi/web/src/pages.ts']);
  });
});
