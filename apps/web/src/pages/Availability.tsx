import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { timeZoneName } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage, type ResponseOf } from '../lib/api.ts';
import { queryClient, queryKeys } from '../lib/query.ts';
import { availabilityQuery, staffQuery } from '../lib/staffQueries.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { useFormat } from '../lib/time.ts';
import { useMe } from '../lib/session.tsx';
import { timeZoneNames } from '../lib/zonedTime.ts';
import { PageHead } from '../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../components/Alert.tsx';
import { ConfirmDialog } from '../components/Dialog.tsx';
import { Check, Field } from '../components/Field.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { CloseIcon } from '../components/Icons.tsx';
import { FormActions } from '../components/FormActions.tsx';

type Availability = ResponseOf<typeof CONTRACTS.getAvailability>;
type Exception = Availability['exceptions'][number];

const DEFAULT_ZONE = 'Asia/Tokyo';
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const MANAGERS = ['admin', 'coordinator'];

interface Window {
  key: number;
  start: string;
  end: string;
}
type Week = Record<number, Window[]>;

/** A window's two time fields, in order. */
const WINDOW_EDGES = [
  ['start', 'availability.from'],
  ['end', 'availability.to'],
] as const;

let nextKey = 1;

/** Monday … Sunday in the UI language, from Intl (1 January 2024 was a Monday). */
function useWeekdayNames(): Record<number, string> {
  const { i18n } = useTranslation();
  return useMemo(() => {
    const f = new Intl.DateTimeFormat(i18n.language, { weekday: 'long', timeZone: 'UTC' });
    return Object.fromEntries(WEEKDAYS.map((d) => [d, f.format(new Date(Date.UTC(2024, 0, d)))]));
  }, [i18n.language]);
}

function weekOf(a: Availability): Week {
  const week: Week = Object.fromEntries(WEEKDAYS.map((d) => [d, []]));
  for (const r of [...a.rules].sort((x, y) => x.weekday - y.weekday || x.start.localeCompare(y.start))) {
    // Midnight at the end of the day is kept as 24:00; a time field shows (and gives back) 00:00.
    week[r.weekday]?.push({ key: nextKey++, start: r.start, end: r.end === '24:00' ? '00:00' : r.end });
  }
  return week;
}

/** The rules as the server wants them, and for each rule index the window it came from. */
function rulesOf(week: Week) {
  const rules: { weekday: number; start: string; end: string }[] = [];
  const keys: number[] = [];
  for (const d of WEEKDAYS) {
    for (const w of week[d]) {
      rules.push({ weekday: d, start: w.start, end: w.end });
      keys.push(w.key);
    }
  }
  return { rules, keys };
}

function WeeklyHours({ userId, data, onSaved }: { userId: string; data: Availability; onSaved: (a: Availability) => void }) {
  const { t, i18n } = useTranslation();
  const names = useWeekdayNames();
  // Each zone by its IANA name (what settings and calendars use) and in words (日本標準時, 北京时间).
  const zones = useMemo(
    () =>
      timeZoneNames([DEFAULT_ZONE, data.timeZone ?? '']).map((z) => {
        const words = timeZoneName(z, i18n.language);
        return { z, label: words === z ? z : `${z} — ${words}` };
      }),
    [data.timeZone, i18n.language],
  );
  const [timeZone, setTimeZone] = useState(data.timeZone ?? DEFAULT_ZONE);
  const [week, setWeek] = useState<Week>(() => weekOf(data));
  const { busy, error, fieldErrors, run } = useSubmit();
  const [errorsByKey, setErrorsByKey] = useState<Record<number, { start?: string; end?: string }>>({});
  const [notice, setNotice] = useState<string | null>(null);

  function setDay(d: number, windows: Window[]) {
    setWeek({ ...week, [d]: windows });
    setNotice(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { rules, keys } = rulesOf(week);
    setErrorsByKey({});
    setNotice(null);
    await run(async () => {
      try {
        const saved = await call(CONTRACTS.setAvailability, { params: { userId }, body: { timeZone, rules } });
        setWeek(weekOf(saved));
        setNotice(t('availability.hoursSaved'));
        onSaved(saved);
      } catch (err) {
        // Errors on rules.<i>.start|end go beside the window they came from.
        const byKey: Record<number, { start?: string; end?: string }> = {};
        for (const [path, message] of Object.entries(err instanceof ApiError ? err.fieldErrors : {})) {
          const m = /^rules\.(\d+)\.(start|end)$/.exec(path);
          if (m && keys[Number(m[1])] !== undefined) byKey[keys[Number(m[1])]] = { ...byKey[keys[Number(m[1])]], [m[2]]: message };
        }
        setErrorsByKey(byKey);
        throw err;
      }
    });
  }

  const weekdays = [1, 2, 3, 4, 5];
  const monday = week[1];
  // Without any hours every time can be offered (the server checks nothing): the days say so too.
  const noHours = WEEKDAYS.every((d) => week[d].length === 0);
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="weekly-hours">
      <Notice>{notice}</Notice>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('availability.timeZone')} hint={t('availability.timeZoneHint')} error={fieldErrors.timeZone} className="field--zone">
        {(p) => (
          <select {...p} className="input" name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
            {zones.map(({ z, label }) => (
              <option key={z} value={z}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {noHours && <p className="muted" data-testid="no-hours">{t('availability.noHoursYet')}</p>}
      <ul className="week">
        {WEEKDAYS.map((d) => (
          <li key={d} className="week__day" data-testid={`weekday-${d}`}>
            <span className="week__name" id={`weekday-name-${d}`}>
              {names[d]}
            </span>
            <div className="week__windows">
              {week[d].length === 0 && <span className="muted week__off">{t(noHours ? 'availability.anyTime' : 'availability.notWorking')}</span>}
              {week[d].map((w, i) => (
                <div key={w.key} className="week__window" role="group" aria-label={t('availability.windowLabel', { day: names[d], n: i + 1 })}>
                  {WINDOW_EDGES.map(([edge, label]) => (
                    <Field key={edge} label={t(label)} error={errorsByKey[w.key]?.[edge]}>
                      {(p) => (
                        <input
                          {...p}
                          className="input"
                          type="time"
                          step={300}
                          name={edge}
                          value={w[edge]}
                          onChange={(e) => setDay(d, week[d].map((x) => (x.key === w.key ? { ...x, [edge]: e.target.value } : x)))}
                        />
                      )}
                    </Field>
                  ))}
                  <button
                    type="button"
                    className="button button--ghost week__remove"
                    aria-label={t('availability.removeHoursNamed', { day: names[d], n: i + 1 })}
                    title={t('availability.remove')}
                    onClick={() => setDay(d, week[d].filter((x) => x.key !== w.key))}
                  >
                    <CloseIcon />
                  </button>
                </div>
              ))}
              <button
                type="button"
                className="button button--secondary button--small week__add"
                aria-label={t('availability.addHoursNamed', { day: names[d] })}
                onClick={() => {
                  const last = week[d][week[d].length - 1];
                  setDay(d, [...week[d], last ? { key: nextKey++, start: last.end, end: last.end < '18:00' ? '18:00' : '23:55' } : { key: nextKey++, start: '09:00', end: '17:00' }]);
                }}
              >
                {t('availability.addHours')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <div className="form__actions">
        <button type="submit" className="button" disabled={busy}>
          {t('availability.saveHours')}
        </button>
        {monday.length > 0 && (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              const next = { ...week };
              for (const d of weekdays.slice(1)) next[d] = monday.map((w) => ({ ...w, key: nextKey++ }));
              setWeek(next);
              setNotice(null);
            }}
          >
            {t('availability.copyMonday', { monday: names[1] })}
          </button>
        )}
      </div>
    </form>
  );
}

function ExceptionForm({ userId, onSaved }: { userId: string; onSaved: (a: Availability) => void }) {
  const { t } = useTranslation();
  const [date, setDate] = useState('');
  const [available, setAvailable] = useState(false);
  const [wholeDay, setWholeDay] = useState(true);
  const [start, setStart] = useState('09:00');
  const [end, setEnd] = useState('17:00');
  const [note, setNote] = useState('');
  const { busy, error, fieldErrors, run } = useSubmit();
  const titleId = useId();
  const withHours = available || !wholeDay;

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const saved = await call(CONTRACTS.addAvailabilityException, {
        params: { userId },
        body: { date, available, start: withHours ? start : null, end: withHours ? end : null, note: note.trim() },
      });
      setDate('');
      setNote('');
      onSaved(saved);
    });
  }

  return (
    <form className="form exception-form" onSubmit={submit} noValidate aria-labelledby={titleId} data-testid="exception-form">
      <h3 id={titleId}>{t('availability.addException')}</h3>
      <ErrorAlert>{error}</ErrorAlert>
      <div className="form__row">
        <Field label={t('availability.date')} error={fieldErrors.date}>
          {(p) => <input {...p} className="input" type="date" name="date" required value={date} onChange={(e) => setDate(e.target.value)} />}
        </Field>
        <Field label={t('availability.kind')} error={fieldErrors.available}>
          {(p) => (
            <select {...p} className="input" name="available" value={available ? 'extra' : 'off'} onChange={(e) => setAvailable(e.target.value === 'extra')}>
              <option value="off">{t('availability.kinds.off')}</option>
              <option value="extra">{t('availability.kinds.extra')}</option>
            </select>
          )}
        </Field>
      </div>
      {!available && <Check label={t('availability.wholeDay')} name="wholeDay" checked={wholeDay} onChange={setWholeDay} />}
      {withHours && (
        <div className="form__row">
          <Field label={t('availability.from')} error={fieldErrors.start}>
            {(p) => <input {...p} className="input" type="time" step={300} name="start" value={start} onChange={(e) => setStart(e.target.value)} />}
          </Field>
          <Field label={t('availability.to')} error={fieldErrors.end}>
            {(p) => <input {...p} className="input" type="time" step={300} name="end" value={end} onChange={(e) => setEnd(e.target.value)} />}
          </Field>
        </div>
      )}
      <Field label={t('availability.note')} hint={t('availability.noteHint')} error={fieldErrors.note}>
        {(p) => <input {...p} className="input" name="note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <FormActions submitLabel={t('availability.add')} busy={busy} />
    </form>
  );
}

function Exceptions({ userId, data, onChange }: { userId: string; data: Availability; onChange: (a: Availability, message: string) => void }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const [confirm, setConfirm] = useState<Exception | null>(null);
  const { busy, error, run } = useSubmit();
  const weekday = useMemo(() => new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' }), [i18n.language]);
  const dateText = (d: string) => `${fmt.date(d)} (${weekday.format(new Date(`${d}T00:00:00Z`))})`;
  const items = [...data.exceptions].sort((a, b) => a.date.localeCompare(b.date) || (a.start ?? '').localeCompare(b.start ?? ''));

  async function remove(x: Exception) {
    await run(async () => onChange(await call(CONTRACTS.removeAvailabilityException, { params: { userId, exceptionId: x.id } }), t('availability.exceptionDeleted')));
    setConfirm(null);
  }

  return (
    <>
      <ErrorAlert>{error}</ErrorAlert>
      <DataTable
        label={t('availability.exceptionsTitle')}
        testId="exceptions"
        items={items}
        columns={[t('availability.date'), t('availability.kind'), t('availability.hours'), t('availability.note'), t('common.actions')]}
        rowKey={(x) => x.id}
        renderRow={(x) => (
          <>
            <td>{dateText(x.date)}</td>
            <td>
              <span className={`badge ${x.available ? 'badge--ok' : 'badge--warn'}`}>{x.available ? t('availability.kinds.extra') : t('availability.kinds.off')}</span>
            </td>
            <td>{x.start && x.end ? `${x.start}–${x.end}` : t('availability.wholeDay')}</td>
            <td className="cell-note">{x.note || t('common.none')}</td>
            <td>
              <button type="button" className="button button--secondary button--small" onClick={() => setConfirm(x)} aria-label={t('availability.deleteNamed', { date: dateText(x.date) })}>
                {t('availability.delete')}
              </button>
            </td>
          </>
        )}
      />
      {confirm && (
        <ConfirmDialog
          title={t('availability.deleteTitle')}
          message={t('availability.deleteConfirm', { date: dateText(confirm.date) })}
          confirmLabel={t('availability.delete')}
          busy={busy}
          onConfirm={() => void remove(confirm)}
          onCancel={() => setConfirm(null)}
        />
      )}
    </>
  );
}

/**
 * Weekly hours and exceptions (days off, extra hours) of one person. Everyone edits their own;
 * coordinators and administrators may pick a physician (?user=<id>) and edit theirs.
 */
export function AvailabilityPage() {
  const { t } = useTranslation();
  const me = useMe();
  const manager = MANAGERS.includes(me.role);
  const [params, setParams] = useSearchParams();
  const userId = (manager && params.get('user')) || me.id;
  const physicians = useQuery({ ...staffQuery({ role: 'physician' }), enabled: manager });
  const loaded = useQuery(availabilityQuery(userId));
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => setNotice(null), [userId]);

  const shown = loaded.data ?? null;
  /** What a change answered is the person's availability now. */
  const setData = (next: Availability) => queryClient.setQueryData(queryKeys.availability(userId), next);
  // The weekly form starts again from what the server has when the person changes, and once more
  // when a copy cached from an earlier visit has been fetched again (not after its own saves).
  const formKey = `${userId}-${loaded.isFetchedAfterMount}`;
  const whoseName = userId === me.id ? me.name : physicians.data?.items.find((p) => p.id === userId)?.name;

  return (
    <>
      <PageHead title={t('availability.title')} intro={t('availability.intro')} />
      {manager && (
        <div className="filters" data-testid="whose">
          <Field label={t('availability.whose')}>
            {(p) => (
              <select
                {...p}
                className="input"
                name="user"
                value={userId}
                onChange={(e) => {
                  const next = new URLSearchParams(params);
                  if (e.target.value === me.id) next.delete('user');
                  else next.set('user', e.target.value);
                  setParams(next, { replace: true });
                }}
              >
                <option value={me.id}>{t('availability.mine', { name: me.name })}</option>
                {physicians.data && physicians.data.items.length > 0 && (
                  <optgroup label={t('roles.physician')}>
                    {physicians.data.items
                      .filter((p) => p.id !== me.id)
                      .map((p) => (
                        <option key={p.id} value={p.id}>
                          {p.name}
                        </option>
                      ))}
                  </optgroup>
                )}
              </select>
            )}
          </Field>
        </div>
      )}
      <ErrorAlert>{(loaded.error ?? physicians.error) && errorMessage(loaded.error ?? physicians.error)}</ErrorAlert>
      {loaded.isPending && <p role="status">{t('common.loading')}</p>}
      {shown && (
        <div className="availability">
          <section className="card" aria-labelledby="availability-weekly">
            <h2 id="availability-weekly">{whoseName ? t('availability.weeklyTitleNamed', { name: whoseName }) : t('availability.weeklyTitle')}</h2>
            <p className="muted">{t('availability.weeklyIntro')}</p>
            <WeeklyHours key={formKey} userId={userId} data={shown} onSaved={setData} />
          </section>
          <section className="card" aria-labelledby="availability-exceptions">
            <h2 id="availability-exceptions">{t('availability.exceptionsTitle')}</h2>
            <p className="muted">{t('availability.exceptionsIntro')}</p>
            <Notice>{notice}</Notice>
            <Exceptions
              userId={userId}
              data={shown}
              onChange={(next, message) => {
                setData(next);
                setNotice(message);
              }}
            />
            <ExceptionForm
              key={userId}
              userId={userId}
              onSaved={(next) => {
                setData(next);
                setNotice(t('availability.exceptionAdded'));
              }}
            />
          </section>
        </div>
      )}
    </>
  );
}
