import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase, openDatabase } from '../src/db/client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

/** Migrates one template database; each test file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds. */
export default async function setup(project: TestProject) {
  // The server serves the built web app; build it once if it is missing.
  if (!existsSync(new URL('../../web/dist/index.html', import.meta.url))) execSync('npm run build -w apps/web', { stdio: 'inherit' });
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const template = `kh_tpl_${process.pid}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect().catch((err) => {
    throw new Error(`PostgreSQL is needed for the API tests (${adminUrl}): ${err.message}. Run scripts/test.sh, which starts it.`);
  });
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  await migrateDatabase(database);
  await database.close();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}
