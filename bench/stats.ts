/**
 * Statistics tables over many consultations: is the narrow facts table fast enough, and how much
 * faster than counting from a case-like table? (issue 10; docs/architecture.md, "Statistics").
 *
 * Method, and why:
 * - PostgreSQL: a fresh database `kh_bench_<random>` is created and migrated with the project's
 *   migrations (dropped at the end, on failure and on Ctrl-C too). Embedded: PGlite in a temporary
 *   folder, opened as the app opens it by default (`openDatabase` without a URL: Kakehashi's
 *   settings), migrated the same way.
 * - Data, made in SQL (`generate_series`, one transaction, `setseed` so every run counts the same
 *   rows): BENCH_PG_ROWS (1,000,000) consultations on PostgreSQL, BENCH_EMBEDDED_ROWS (20,000) on
 *   PGlite, requested over five years (2021–2025, more in later years), departments from the seeded
 *   ones (some far busier than others), codes from core's STATS_CODES with 5–15% not recorded, 1–3
 *   outcomes (10% none), 40% with survey answers, country mostly CN, 15% JP (with a residence
 *   bucket), the language following the country (a fifth not recorded), 30% from five partner
 *   institutions, 97% counted (a visit held) with visit and report days. They are stored as imported
 *   consultations and their fact rows (the import's shape; the fact rows carry country, language and
 *   institution as a live case's would), in the order of their request as cases arrive — the
 *   facts' triggers keep the monthly roll-ups in the same statement —, then `vacuum analyze`, as
 *   autovacuum would have done.
 * - Each table is asked through the stats service (`services.stats`) as an administrator: the gate's
 *   transaction, the query's validation by core's schema, the SQL of `stats/repo.ts`, suppression
 *   off, and the audit event every read writes. Tables: department × month for one year and for the
 *   five years, each single key, a three-key table, the surveys, the times, two filtered tables
 *   (one department by month, one country by department × month), all but the first over the five
 *   years (the most rows a query reads), and department × month over five years less two weeks
 *   (its edge days counted from the facts, the whole months from the roll-ups). Two more tables the
 *   roll-ups cannot answer (two background keys; two filters) are timed and printed apart
 *   (`factsOnly`), outside the target: they count the facts.
 * - Baseline, PostgreSQL only, in the same run: `bench_cases`, a table shaped like `cases` (the
 *   attributes in jsonb, a `timestamptz` with its index, a wide medical summary) holding the same
 *   consultations, and the department × month table over the five years counted from it, the local
 *   month computed at query time and "held" read from jsonb. It is plain SQL (no gate, no audit
 *   event), so the ratio (baseline p50 / facts p50 of the same table) if anything flatters the baseline.
 * - Two warm-up calls of each table, then BENCH_RUNS (20) rounds; each round asks every table once,
 *   so drift in the machine's load (the cores are shared) falls on all tables alike. p50 and p95
 *   (nearest rank) in milliseconds. Target: every table under 300 ms at p95, on both databases.
 * - One JSON line on stdout; progress on stderr. Settings (environment): BENCH_PG_ROWS,
 *   BENCH_EMBEDDED_ROWS, BENCH_RUNS, BENCH_DATABASE_URL (a PostgreSQL role that may create
 *   databases; default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { consultationStatsQuery, STATS_CODES, surveyStatsQuery, type Locale } from '@kakehashi/core';
import type { Actor } from '../apps/server/src/auth/principal.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { migrateDatabase, openDatabase, rowsOf, transaction, type Database, type Db } from '../apps/server/src/db/client.ts';
import { createServices } from '../apps/server/src/services.ts';
import { positive, adminUrl, log, round1 } from './common.ts';

const PG_ROWS = positive('BENCH_PG_ROWS', 1_000_000, true);
const EMBEDDED_ROWS = positive('BENCH_EMBEDDED_ROWS', 20_000, true);
const RUNS = positive('BENCH_RUNS', 20, true);
const WARMUP = 2;
const TARGET_P95_MS = 300;
const ZONE = 'Asia/Tokyo';
const FIRST_DAY = '2021-01-01';
const DAYS = 5 * 365 + 1; // to 2025-12-31

// Everything made here is undone by cleanup(), which runs once: at the end, on failure, on a signal.
const dbName = `kh_bench_${randomBytes(6).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-stats-'));
const admin = new pg.Client(adminUrl);
let dbCreated = false;
const opened: Database[] = [];
let cleaned: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    for (const d of opened) await d.close().catch(() => {});
    if (dbCreated) await admin.query(`drop database if exists ${dbName} with (force)`).catch((err) => console.error(`could not drop ${dbName}: ${err.message}`));
    await admin.end().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

const codes = (list: readonly string[]) => sql`array(select json_array_elements_text(${JSON.stringify(list)}::json))`;
/** A code from `arr` for the uniform random `r`, null (not recorded) for a share `p` of the rows. */
const pick = (arr: string, r: string, p: number) => sql.raw(`case when ${r} < ${p} then null else ${arr}[1 + floor((${r} - ${p}) / ${1 - p} * cardinality(${arr}))::int] end`);

/**
 * `rows` consultations: imported consultations and their fact rows, and (for the baseline) the same
 * consultations in `bench_cases`. One transaction: `setseed` holds for its one connection.
 */
async function generate(db: Db, rows: number, importedBy: string, baseline: boolean) {
  const institutions = Array.from({ length: 5 }, () => randomUUID());
  await transaction(db, async (tx) => {
    await tx.execute(sql`select setseed(0.42)`);
    // Raw uniform numbers first (the inner select is volatile: evaluated once per row), then the columns.
    await tx.execute(sql`
      create temporary table bench_source on commit drop as
      with c as (
        select (select array_agg(code order by sort_order) from departments) as dept,
          ${codes(STATS_CODES.requester)} as requester, ${codes(STATS_CODES.sex)} as sex, ${codes(STATS_CODES.stage)} as stage,
          ${codes(STATS_CODES.subject)} as subject, ${codes(STATS_CODES.outcome)} as outcome, ${codes(STATS_CODES.reason)} as reason,
          ${codes(STATS_CODES.disposition)} as disposition, ${codes(STATS_CODES.nurse)} as nurse,
          array['TW', 'HK', 'VN', 'TH', 'KR', 'US', 'SG', 'MN', 'RU', 'ID'] as abroad,
          ${codes(institutions)}::uuid[] as inst
      )
      select r.n, 'B-' || lpad(r.n::text, 8, '0') as number,
        ${FIRST_DAY}::date + floor(power(r.day, 0.7) * ${sql.raw(String(DAYS))})::int as requested_on, r.tod,
        c.dept[1 + floor(power(r.dept, 2) * cardinality(c.dept))::int] as department,
        ${pick('c.requester', 'r.requester', 0.05)} as requester, ${pick('c.sex', 'r.sex', 0.05)} as sex,
        ${pick('c.stage', 'r.stage', 0.1)} as stage, ${pick('c.subject', 'r.subject', 0.1)} as subject,
        ${pick('c.reason', 'r.reason', 0.15)} as reason, ${pick('c.disposition', 'r.disposition', 0.15)} as disposition,
        case when r.outcomes < 0.1 then '{}'::text[] else c.outcome[r.o_start : r.o_start + r.o_len - 1] end as outcomes,
        r.country, case when r.country <> 'JP' then 'overseas' when r.res < 0.6 then 'tokyo_area' when r.res < 0.9 then 'other_domestic' end as residence,
        case when r.lang < 0.2 then null when r.country = 'JP' then 'ja' when r.country in ('CN', 'TW', 'HK') then 'zh-CN' else 'en' end as language,
        case when r.inst < 0.3 then c.inst[1 + floor(r.inst / 0.3 * 5)::int] end as institution_id,
        r.counted < 0.97 as counted,
        r.survey < 0.4 as surveyed,
        case when r.survey < 0.4 and r.sp >= 0.05 then 1 + floor(power(r.sp, 1.5) * 4)::int end as survey_purpose,
        case when r.survey < 0.4 and r.su >= 0.05 then 1 + floor(power(r.su, 1.5) * 4)::int end as survey_understanding,
        case when r.survey < 0.4 and r.ss >= 0.05 then 1 + floor(power(r.ss, 1.5) * 4)::int end as survey_satisfaction,
        case when r.survey < 0.4 then c.nurse[1 + floor(r.sn * cardinality(c.nurse))::int : floor(r.sn * cardinality(c.nurse))::int + floor(r.snl * 3)::int] end as survey_nurse,
        r.visit, r.report
      from (
        select n, random() as day, random() as tod, random() as dept, random() as requester, random() as sex, random() as stage,
          random() as subject, random() as reason, random() as disposition, random() as outcomes,
          1 + floor(random() * 3)::int as o_len, random() as res, random() as lang, random() as inst, random() as counted,
          random() as survey, random() as sp, random() as su, random() as ss, random() as sn, random() as snl,
          random() as visit, random() as report,
          case when random() < 0.15 then 'JP' when random() < 0.7 then 'CN' else null end as country_pick, random() as abroad
        from generate_series(1, ${sql.raw(String(rows))}) n
      ) r0
      cross join c
      cross join lateral (select r0.*,
        1 + floor(r0.outcomes * (cardinality(c.outcome) - r0.o_len + 1))::int as o_start,
        coalesce(r0.country_pick, c.abroad[1 + floor(r0.abroad * cardinality(c.abroad))::int]) as country) r`);
    await tx.execute(sql`
      insert into imported_consultations (case_number, requested_on, department, requester, sex, residence, stage, subject, outcomes,
        reason, disposition, survey_purpose, survey_understanding, survey_satisfaction, survey_nurse, visited_on, reported_on, imported_by)
      select number, requested_on, department, requester, sex, residence, stage, subject, outcomes, reason, disposition,
        survey_purpose, survey_understanding, survey_satisfaction, coalesce(survey_nurse, '{}'),
        case when counted then requested_on + 5 + floor(visit * 50)::int end,
        case when counted and report < 0.9 then requested_on + 5 + floor(visit * 50)::int + 2 + floor(report * 30)::int end,
        ${importedBy}::uuid
      from bench_source order by requested_on, n`);
    await tx.execute(sql`
      insert into consultation_facts (imported_number, case_number, counted, institution_id, department, language, country, residence,
        requester, sex, stage, subject, outcomes, reason, disposition, survey_purpose, survey_understanding, survey_satisfaction,
        survey_nurse, requested_on, requested_month, visited_on, reported_on)
      select s.number, s.number, s.counted, s.institution_id, s.department, s.language, s.country, s.residence, s.requester, s.sex,
        s.stage, s.subject, s.outcomes, s.reason, s.disposition, s.survey_purpose, s.survey_understanding, s.survey_satisfaction,
        s.survey_nurse, s.requested_on, to_char(s.requested_on, 'YYYY-MM'), i.visited_on, i.reported_on
      from bench_source s join imported_consultations i on i.case_number = s.number order by s.requested_on, s.n`);
    if (!baseline) return;
    // The same consultations as a case-like table: attributes in jsonb, the request as a timestamptz.
    await tx.execute(sql`
      create table bench_cases (id uuid primary key default gen_random_uuid(), number text not null unique, status text not null,
        requester jsonb not null, patient jsonb not null, locale text, country text, medical jsonb not null,
        department text not null references departments (code), institution_id uuid, classification jsonb, visit jsonb, survey jsonb,
        created_at timestamptz not null)`);
    await tx.execute(sql`
      insert into bench_cases (number, status, requester, patient, locale, country, medical, department, institution_id, classification, visit, survey, created_at)
      select s.number, case when s.counted then 'visited' else 'scheduled' end,
        jsonb_build_object('type', s.requester, 'name', 'Requester ' || s.n, 'email', 'requester' || s.n || '@example.org'),
        jsonb_build_object('sex', s.sex, 'name', 'Patient ' || s.n, 'nameLatin', 'PATIENT ' || s.n, 'birthDate', '1960-01-01', 'residence', s.residence),
        s.language, s.country,
        jsonb_build_object('diagnosis', 'Adenocarcinoma, stage IIIA', 'history', repeat('Treated with chemotherapy since 2020; progression on imaging. ', 4)),
        s.department, s.institution_id,
        jsonb_build_object('stage', s.stage, 'subject', s.subject, 'outcomes', to_jsonb(s.outcomes), 'reason', s.reason, 'disposition', s.disposition),
        jsonb_build_object('held', s.counted, 'startedAt', i.visited_on, 'reportDeliveredAt', i.reported_on),
        case when s.surveyed then jsonb_build_object('purpose', s.survey_purpose, 'understanding', s.survey_understanding, 'satisfaction', s.survey_satisfaction, 'nurse', to_jsonb(s.survey_nurse)) end,
        (s.requested_on + s.tod * interval '1 day') at time zone ${ZONE}
      from bench_source s join imported_consultations i on i.case_number = s.number order by s.requested_on, s.tod`);
    await tx.execute(sql`create index bench_cases_created_idx on bench_cases (created_at)`);
  });
  await db.execute(sql.raw(`vacuum analyze imported_consultations, consultation_facts, consultation_rollups${baseline ? ', bench_cases' : ''}`));
}

/** Marks the tables only the facts answer: reported, outside the target (docs/architecture.md, "Statistics"). */
const FACTS_ONLY = '(facts only)';

/** The tables the statistics API offers, each one call of the stats service. */
function tables(services: ReturnType<typeof createServices>, actor: Actor) {
  const all = { from: FIRST_DAY, to: '2025-12-31' };
  const consultations = (q: Record<string, string>) => () => services.stats.consultations(actor, consultationStatsQuery.parse(q), 'json');
  const singles = ['requester', 'sex', 'residence', 'stage', 'subject', 'outcome', 'reason', 'disposition', 'country', 'language'];
  return {
    'department×month 1y': consultations({ from: '2025-01-01', to: '2025-12-31', by: 'department,month' }),
    'department×month 5y': consultations({ ...all, by: 'department,month' }),
    ...Object.fromEntries(singles.map((k) => [k, consultations({ ...all, by: k })])),
    'department×month×outcome': consultations({ ...all, by: 'department,month,outcome' }),
    surveys: () => services.stats.surveys(actor, surveyStatsQuery.parse(all), 'json'),
    times: () => services.stats.times(actor, surveyStatsQuery.parse(all), 'json'),
    'month, department=hematology': consultations({ ...all, by: 'month', department: 'hematology' }),
    'department×month, country=CN': consultations({ ...all, by: 'department,month', country: 'CN' }),
    'department×month 5y, edge days': consultations({ from: '2021-01-15', to: '2025-12-14', by: 'department,month' }),
    // The roll-ups cannot answer these (two background keys; two filters): the facts count them.
    [`requester×sex ${FACTS_ONLY}`]: consultations({ ...all, by: 'requester,sex' }),
    [`month, department=hematology, country=CN ${FACTS_ONLY}`]: consultations({ ...all, by: 'month', department: 'hematology', country: 'CN' }),
  } as Record<string, () => Promise<unknown>>;
}
/** The tables under the target, and those only the facts answer. */
const split = (times: Record<string, { p50: number; p95: number }>) => {
  const entries = Object.entries(times);
  return { tables: Object.fromEntries(entries.filter(([n]) => !n.endsWith(FACTS_ONLY))), factsOnly: Object.fromEntries(entries.filter(([n]) => n.endsWith(FACTS_ONLY))) };
};

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1];

/** Warm-up, then rounds asking every query once each; p50 and p95 per query. */
async function time(queries: Record<string, () => Promise<unknown>>) {
  const names = Object.keys(queries);
  for (const name of names) for (let i = 0; i < WARMUP; i++) await queries[name]();
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const name of names) {
      const started = performance.now();
      await queries[name]();
      ms[name].push(performance.now() - started);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { p50: round1(percentile(ms[n], 0.5)), p95: round1(percentile(ms[n], 0.95)) }]));
}

/** A migrated database with an administrator, their actor and the services, as the app builds them. */
async function prepare(databaseUrl: string | null) {
  const database = await openDatabase({ databaseUrl, dataDir: databaseUrl ? dataDir : mkdtempSync(path.join(dataDir, 'embedded-')), poolSize: 2 });
  opened.push(database);
  await migrateDatabase(database);
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    KAKEHASHI_SECRET: randomBytes(32).toString('hex'),
    KAKEHASHI_MASTER_KEY: randomBytes(32).toString('base64'),
    KAKEHASHI_DATA_DIR: dataDir,
    KAKEHASHI_TIME_ZONE: ZONE,
    LOG_LEVEL: 'silent',
  });
  const services = createServices(database.db, config);
  const { user } = await services.users.create(
    null,
    { email: 'bench.admin@example.org', name: 'Bench Administrator', role: 'admin', institutionId: null, locale: null, password: randomBytes(16).toString('hex') },
    'en',
    'bench',
  );
  const locale: Locale = 'en';
  const actor: Actor = {
    principal: { kind: 'user', via: 'token', tokenId: 'bench', user: { id: user.id, email: user.email, name: user.name, role: 'admin', institutionId: null, locale, totpEnabled: false } },
    ip: null,
    userAgent: 'bench/stats',
    locale,
  };
  return { db: database.db, services, actor, userId: user.id };
}

const countRows = async (db: Db, table: 'consultation_facts' | 'consultation_rollups') => Number(rowsOf<{ n: string }>(await db.execute(sql`select count(*) as n from ${sql.identifier(table)}`))[0].n);

async function main() {
  const loadStart = os.loadavg().map(round1);
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  dbCreated = true;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;

  log(`PostgreSQL: ${dbName}, ${PG_ROWS} consultations`);
  const p = await prepare(url.toString());
  let started = performance.now();
  await generate(p.db, PG_ROWS, p.userId, true);
  log(`generated in ${Math.round((performance.now() - started) / 1000)} s; timing ${RUNS} rounds`);
  const pgQueries = tables(p.services, p.actor);
  const baselineQuery = 'department×month 5y';
  // The local day and month computed at query time; "held" read from jsonb; the period by the indexed timestamp.
  const baseline = () =>
    p.db.execute(sql`
      select department, to_char(created_at at time zone ${ZONE}, 'YYYY-MM') as month, count(*) as count from bench_cases
      where created_at >= ${FIRST_DAY}::timestamp at time zone ${ZONE} and created_at < '2026-01-01'::timestamp at time zone ${ZONE}
        and (visit->>'held')::boolean
      group by 1, 2 order by 1, 2`);
  const pgTimes = await time({ ...pgQueries, baseline });
  const { baseline: baselineTime, ...pgAll } = pgTimes;
  const { tables: pgTables, factsOnly: pgFactsOnly } = split(pgAll);
  const pgVersion = rowsOf<{ v: string }>(await p.db.execute(sql`select current_setting('server_version') as v`))[0].v;
  const pgResult = { rows: await countRows(p.db, 'consultation_facts'), rollupRows: await countRows(p.db, 'consultation_rollups'), tables: pgTables, factsOnly: pgFactsOnly, baseline: { query: baselineQuery, ...baselineTime }, ratio: round1(baselineTime.p50 / pgTables[baselineQuery].p50) };

  log(`embedded (PGlite): ${EMBEDDED_ROWS} consultations`);
  const e = await prepare(null);
  started = performance.now();
  await generate(e.db, EMBEDDED_ROWS, e.userId, false);
  log(`generated in ${Math.round((performance.now() - started) / 1000)} s; timing ${RUNS} rounds`);
  const { tables: embeddedTables, factsOnly: embeddedFactsOnly } = split(await time(tables(e.services, e.actor)));
  const embeddedResult = { rows: await countRows(e.db, 'consultation_facts'), rollupRows: await countRows(e.db, 'consultation_rollups'), tables: embeddedTables, factsOnly: embeddedFactsOnly };

  const met = [...Object.values(pgTables), ...Object.values(embeddedTables)].every((t) => t.p95 < TARGET_P95_MS);
  const cpus = os.cpus();
  console.log(
    JSON.stringify({
      bench: 'stats',
      pg: pgResult,
      embedded: embeddedResult,
      targets: { p95Ms: TARGET_P95_MS },
      met,
      settings: { runs: RUNS, warmup: WARMUP, zone: ZONE },
      machine: { cores: cpus.length, cpu: cpus[0]?.model.trim(), memGB: round1(os.totalmem() / 2 ** 30), node: process.version, postgres: pgVersion, loadavgStart: loadStart, loadavgEnd: os.loadavg().map(round1) },
    }),
  );
  if (!met) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
