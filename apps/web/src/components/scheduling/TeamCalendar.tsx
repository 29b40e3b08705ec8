import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type * as CONTRACTS from '@kakehashi/core/contracts';
import { errorMessage, type ResponseOf } from '../../lib/api.ts';
import { teamCalendarQuery } from '../../lib/staffQueries.ts';
import { useZoneName } from '../../lib/time.ts';
import { formatDateInZone, formatSpanInZone } from '../../lib/zonedTime.ts';
import { ErrorAlert } from '../Alert.tsx';

type TeamCalendarData = ResponseOf<typeof CONTRACTS.getTeamCalendar>;
type Member = TeamCalendarData['days'][number]['members'][number];
type Span = { startsAt: string; endsAt: string };

const TICKS = [0, 6, 12, 18, 24];
const ms = (iso: string) => new Date(iso).getTime();
const overlaps = (a: Span, b: Span) => ms(a.startsAt) < ms(b.endsAt) && ms(a.endsAt) > ms(b.startsAt);

/** Whether a time entered here clashes for a member: another visit then, or outside their hours. */
function clashes(m: Member, slots: Span[]) {
  return slots.some(
    (s) => m.busy.some((b) => !b.thisCase && overlaps(b, s)) || (m.hoursSet && !m.available.some((a) => ms(a.startsAt) <= ms(s.startsAt) && ms(a.endsAt) >= ms(s.endsAt))),
  );
}

/**
 * The case team's day, one row per member, for the days of the times a coordinator is entering:
 * working hours, other visits and the entered times on a 24-hour bar in hospital time, the same
 * facts as words beneath (the bar is decoration for sighted readers), and a mark where an entered
 * time clashes. Loaded again when the days change.
 */
export function TeamCalendar({ caseId, dates, slots }: { caseId: string; dates: string[]; slots: Span[] }) {
  const { t, i18n } = useTranslation();
  const zoneName = useZoneName();
  const titleId = useId();
  const key = [...new Set(dates)].sort().join(',');
  const calendar = useQuery({ ...teamCalendarQuery(caseId, key), enabled: key !== '' });
  const data = calendar.data;
  const error = calendar.error && errorMessage(calendar.error);

  const locale = i18n.language;
  const days = data?.days.filter((d) => key.split(',').includes(d.date)) ?? [];
  const spans = (list: Span[], zone: string) => list.map((s) => formatSpanInZone(s.startsAt, s.endsAt, zone, locale, false)).join(', ');
  return (
    <section className="team-calendar" aria-labelledby={titleId} data-testid="team-calendar">
      <h4 id={titleId}>{t('scheduling.teamCalendar.title')}</h4>
      <ErrorAlert>{error}</ErrorAlert>
      {!key ? (
        <p className="muted">{t('scheduling.teamCalendar.empty')}</p>
      ) : (
        data && (
          <>
            <p className="muted team-calendar__legend">
              {t('scheduling.teamCalendar.legend', { zone: zoneName(data.timeZone) })} <span className="zone-iana">{data.timeZone}</span>
            </p>
            {days.map((d) => {
              const start = ms(d.start);
              const length = ms(d.end) - start;
              const at = (iso: string) => `${Math.max(0, Math.min(100, ((ms(iso) - start) / length) * 100))}%`;
              const width = (s: Span) => `${Math.max(0.5, ((Math.min(ms(s.endsAt), ms(d.end)) - Math.max(ms(s.startsAt), start)) / length) * 100)}%`;
              const entered = slots.filter((s) => overlaps(s, { startsAt: d.start, endsAt: d.end }));
              return (
                <div key={d.date} className="team-day" data-testid="team-day">
                  <h5 className="team-day__date">{formatDateInZone(d.start, data.timeZone, locale)}</h5>
                  <div className="team-day__scale" aria-hidden="true">
                    {TICKS.map((h) => (
                      <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
                        {h}
                      </span>
                    ))}
                  </div>
                  <ul className="team-day__members">
                    {d.members.map((m) => {
                      const clash = clashes(m, entered);
                      const others = m.busy.filter((b) => !b.thisCase);
                      const own = m.busy.filter((b) => b.thisCase);
                      return (
                        <li key={m.userId} className={`team-row${clash ? ' team-row--clash' : ''}`} data-testid="team-member">
                          <span className="team-row__who">
                            <span className="people__name">{m.name}</span> <span className="people__role">{t(`roles.${m.role}`)}</span>
                          </span>
                          <div className={`team-row__bar${m.hoursSet ? '' : ' team-row__bar--any'}`} aria-hidden="true">
                            {m.available.map((a) => (
                              <span key={a.startsAt} className="team-row__work" style={{ left: at(a.startsAt), width: width(a) }} />
                            ))}
                            {m.busy.map((b) => (
                              <span key={b.startsAt} className={`team-row__busy${b.thisCase ? ' team-row__busy--own' : ''}`} style={{ left: at(b.startsAt), width: width(b) }} />
                            ))}
                            {entered.map((s, i) => (
                              <span key={`${s.startsAt}-${i}`} className="team-row__slot" style={{ left: at(s.startsAt), width: width(s) }} />
                            ))}
                          </div>
                          <span className="team-row__text">
                            {!m.hoursSet ? t('scheduling.teamCalendar.noHours') : m.available.length ? t('scheduling.teamCalendar.works', { spans: spans(m.available, data.timeZone) }) : t('scheduling.teamCalendar.off')}
                            {others.length > 0 && <> · {t('scheduling.teamCalendar.busy', { spans: spans(others, data.timeZone) })}</>}
                            {own.length > 0 && <> · {t('scheduling.teamCalendar.thisCase', { spans: spans(own, data.timeZone) })}</>}
                            {clash && (
                              <strong className="team-row__clash" data-testid="team-clash">
                                {' '}
                                · {t('scheduling.teamCalendar.clash')}
                              </strong>
                            )}
                          </span>
                        </li>
                      );
                    })}
                  </ul>
                </div>
              );
            })}
          </>
        )
      )}
    </section>
  );
}
