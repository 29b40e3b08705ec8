import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';
import { localParts } from '../scheduling/service.ts';

/**
 * Bad input must never be a 500. For every operation of the app's own OpenAPI document, as an
 * administrator (session and CSRF token), as a patient (guest link) and anonymously, this sends
 * variants of a minimal valid body: a NUL and a lone surrogate in each string and record key
 * (PostgreSQL refuses a NUL in text and both in jsonb), years 0000 and 9999 in each date, the same
 * in each query parameter, and unknown ids in the path. Otherwise path parameters name real
 * records, so each variant gets as far as the query that stores it.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema };
type Operation = { method: string; path: string; parameters: Parameter[]; body: Schema | null };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** One string in a body: where it is, and whether it is a value or a record's key. */
type Leaf = { path: (string | number)[]; schema: Schema; key: boolean };

const t = useTestApp();
let admin: Client & { user: { id: string } };
/** A guest link to the case the path parameters name: the patient's side. */
let guestToken = '';
let document: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };

const NUL = 'fuzz\u0000value';
const SURROGATE = 'fuzz\ud800value';
const DATES = ['0000-01-01', '9999-12-31'];
const DATE_TIMES = ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z'];
/** Query strings carry bytes: a NUL, and the UTF-8-like encoding of a lone surrogate. */
const QUERY_VALUES = ['fuzz%00value', 'fuzz%ED%A0%80value', ...DATES];

/** Real records, so a request gets past "not found" to the query that stores its input. */
const ids: Record<string, string> = {};
let address = 0;

/** A weekday `days` ahead, at HH:MM in Tokyo. */
function tokyo(days: number, time: string): string {
  const d = new Date(Date.now() + days * 86_400_000);
  while (['Sat', 'Sun'].includes(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Tokyo', weekday: 'short' }).format(d))) d.setTime(d.getTime() + 86_400_000);
  return `${localParts(d, 'Asia/Tokyo').date}T${time}:00+09:00`;
}

const resolve = (s: Schema): Schema => (s.$ref ? resolve(document.components!.schemas![s.$ref.split('/').pop()!]) : s);

/** Valid-looking values for fields whose rules the JSON schema cannot say (refinements, references). */
function hinted(name: string): Json | undefined {
  const hints: Record<string, Json> = {
    versionId: ids.consent,
    userId: ids.physician,
    institutionId: ids.institutions,
    kind: 'partner',
    department: 'thoracic_medical',
    timeZone: 'Asia/Tokyo',
    birthDate: '1962-03-04',
    website: '',
    startsAt: tokyo(30, '10:00'),
    start: '09:00',
    end: '17:00',
    minutes: 60,
  };
  return hints[name];
}

const PATTERN_SAMPLES: Record<string, string> = {
  '^[A-Z]{2}$': 'JP',
  '^[A-Z]{3}$': 'JPY',
  '^\\d{6}$': '123456',
  '^([01]\\d|2[0-3]):[0-5]\\d$': '09:00',
};

function sample(raw: Schema, name = ''): Json {
  const s = resolve(raw);
  const hint = hinted(name);
  if (hint !== undefined) return hint;
  if (s.const !== undefined) return s.const as Json;
  if (s.enum) return s.enum[0] as Json;
  const options = s.anyOf ?? s.oneOf;
  if (options) return sample(options.find((o) => resolve(o).type !== 'null') ?? options[0], name);
  if (s.allOf) return sample(s.allOf[0], name);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [key, prop] of Object.entries(s.properties ?? {})) out[key] = sample(prop, key);
      if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') out.fuzzKey = sample(s.additionalProperties);
      return out;
    }
    case 'array':
      return s.items ? [sample(s.items, name)] : [];
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      // false: an institution or rule that stays enabled for the operations after it.
      return false;
    case 'null':
      return null;
    default:
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'email') return `fuzz-${randomUUID().slice(0, 8)}@example.org`;
      if (s.format === 'date') return tokyo(30, '10:00').slice(0, 10);
      if (s.format === 'date-time') return tokyo(30, '10:00');
      if (s.format === 'uri') return 'https://example.org/fuzz';
      if (s.pattern && PATTERN_SAMPLES[s.pattern]) return PATTERN_SAMPLES[s.pattern];
      return 'x'.repeat(Math.min(Math.max(s.minLength ?? 1, 1), s.maxLength ?? 100));
  }
}

/** Every string in a sample body, with the schema it came from. */
function leaves(value: Json, raw: Schema | undefined, path: (string | number)[] = []): Leaf[] {
  const s = raw ? resolve(raw) : {};
  const options = s.anyOf ?? s.oneOf;
  const schema = options ? (options.map(resolve).find((o) => o.type === typeof value) ?? s) : s;
  if (typeof value === 'string') return [{ path, schema, key: false }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, schema.items, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const prop = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      const own = schema.properties?.[k] ? [] : [{ path: [...path, k], schema: {}, key: true }];
      return [...own, ...leaves(v, prop, [...path, k])];
    });
  }
  return [];
}

function replaced(body: Json, leaf: Leaf, value: string): Json {
  // A body that is one text (a CSV file): the whole of it.
  if (leaf.path.length === 0) return value;
  const copy = structuredClone(body) as Record<string | number, Json>;
  let parent = copy;
  for (const step of leaf.path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = leaf.path[leaf.path.length - 1];
  if (leaf.key) {
    parent[value] = parent[last];
    delete parent[last];
  } else parent[last] = value;
  return copy;
}

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content['application/json']?.schema ?? null });
    }
  }
  // Withdrawing consent closes the case, revoking links ends the guest's access, cancelling the
  // visit, signing out the administrator's session: last.
  const rank = (op: Operation) => ['/consent/withdraw', '/guest-links/revoke', '/cancel', '/sign-out'].findIndex((end) => op.path.endsWith(end));
  return ops.sort((a, b) => rank(a) - rank(b));
}

/** The id of a real record for a path parameter, from the resource the path names. */
function realId(path: string, param: Parameter): string {
  const p = resolve(param.schema);
  if (p.enum) return String(p.enum[0]);
  if (param.name !== 'id') return ids[param.name] ?? randomUUID();
  const segments = path.split('/');
  return ids[segments[segments.indexOf('{id}') - 1]] ?? randomUUID();
}

interface Variant {
  label: string;
  url: string;
  body: Json | undefined;
}

function variants(op: Operation): Variant[] {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const fill = (known: boolean) => pathParams.reduce((url, p) => url.replace(`{${p.name}}`, known ? realId(op.path, p) : randomUUID()), op.path);
  const required = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=${sample(p.schema, p.name)}`);
  const url = fill(true) + (required.length ? `?${required.join('&')}` : '');
  const body = op.body ? sample(op.body) : undefined;
  const out: Variant[] = [];
  if (body !== undefined) {
    for (const leaf of leaves(body, op.body!)) {
      const values = [NUL, SURROGATE, ...(leaf.schema.format === 'date' ? DATES : leaf.schema.format === 'date-time' ? DATE_TIMES : [])];
      for (const value of values) out.push({ label: `${JSON.stringify(value)} in ${leaf.key ? 'a key of ' : ''}${leaf.path.join('.')}`, url, body: replaced(body, leaf, value) });
    }
  }
  for (const q of op.parameters.filter((p) => p.in === 'query' && resolve(p.schema).type === 'string')) {
    for (const value of QUERY_VALUES) out.push({ label: `${value} in ?${q.name}`, url: `${url}${url.includes('?') ? '&' : '?'}${q.name}=${value}`, body });
  }
  // The valid requests last, so the bad ones meet the records as they were set up.
  if (pathParams.length) out.push({ label: 'unknown ids in the path', url: fill(false), body });
  out.push({ label: 'minimal', url, body });
  return out;
}

beforeAll(async () => {
  admin = await adminClient(t);
  document = (await admin.get('/api/v1/openapi.json')).body;
  ids.consent = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（テスト）' })).body.id;
  const physician = await t.user({ role: 'physician', locale: 'ja' });
  ids.physician = ids.userId = ids.users = physician.id;
  const pc = new Client(t.app);
  await pc.signIn(physician.email);
  await pc.put(`/api/v1/availability/${physician.id}`, { timeZone: 'Asia/Tokyo', rules: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) });
  ids.exceptionId = (await pc.post(`/api/v1/availability/${physician.id}/exceptions`, { date: tokyo(60, '10:00').slice(0, 10), available: false })).body.exceptions[0].id;

  ids.users = (await t.user({ role: 'nurse' })).id;

  // One case ready to schedule, with an open offer; another with a booked visit.
  const readyCase = async (n: number) => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, ids.consent), remoteAddress: `10.250.0.${n}` })).json();
    await admin.post(`/api/v1/cases/${created.id}/screening`, { eligibility: 'eligible' });
    await admin.put(`/api/v1/cases/${created.id}/team`, { members: [{ userId: physician.id, role: 'physician' }] });
    await admin.post(`/api/v1/cases/${created.id}/status`, { to: 'ready_to_schedule' });
    const offers = (await admin.post(`/api/v1/cases/${created.id}/offers`, { slots: [{ startsAt: tokyo(10 + n, '10:00'), minutes: 60 }] })).body.offers;
    return { id: created.id as string, token: created.portalUrl.split('#')[1] as string, offerId: offers[0].id as string };
  };
  const open = await readyCase(1);
  ids.cases = open.id;
  guestToken = open.token;
  ids.offerId = open.offerId;
  const scheduled = await readyCase(2);
  const booked = await t.app.inject({ method: 'POST', url: `/api/v1/cases/${scheduled.id}/offers/${scheduled.offerId}/book`, headers: { authorization: `Bearer ${scheduled.token}` } });
  ids.visitId = booked.json().visit.id;

  ids.institutions = (await admin.post('/api/v1/institutions', { name: 'Fuzz Partner Hospital', country: 'CN' })).body.id;
  ids.tokens = (await admin.post('/api/v1/tokens', { userId: physician.id, name: 'fuzz' })).body.token.id;
  ids['acceptance-rules'] = (await admin.post('/api/v1/settings/acceptance-rules', { text: { ja: '規則', 'zh-CN': '规则', en: 'Rule' } })).body.id;
  ids['fee-schedules'] = (await admin.post('/api/v1/settings/fee-schedules', { name: { ja: 'Fuzz', 'zh-CN': 'Fuzz', en: 'Fuzz' }, minutes: 60, amount: 10000 })).body.id;
  for (const [name, id] of Object.entries(ids)) expect(id, name).toMatch(/^[0-9a-f-]{36}$/);
});

describe('every operation of the API', () => {
  it('answers bad input with a 4xx, never a 500, for an administrator, a patient and anyone', async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(57);
    const failures: string[] = [];
    let sent = 0;
    for (const op of ops) {
      for (const v of variants(op)) {
        for (const who of ['admin', 'guest', 'anonymous'] as const) {
          const headers: Record<string, string> =
            who === 'admin' ? { cookie: admin.cookie, 'x-csrf-token': admin.csrf } : who === 'guest' ? { authorization: `Bearer ${guestToken}` } : {};
          // Each request from its own address, so no rate limit answers in place of the code under test.
          const remoteAddress = `10.${Math.floor(++address / 65_536) % 256}.${Math.floor(address / 256) % 256}.${address % 256}`;
          const res = await t.app.inject({ method: op.method as 'GET', url: v.url, payload: v.body as object | undefined, headers, remoteAddress });
          sent++;
          if (res.statusCode >= 500 && res.statusCode !== 501) failures.push(`${who} ${op.method} ${op.path}: ${v.label} → ${res.statusCode}`);
        }
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 180_000);
});
