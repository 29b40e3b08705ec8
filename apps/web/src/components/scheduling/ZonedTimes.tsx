import { useTranslation } from 'react-i18next';
import { formatDateInZone, formatSpanInZone, sameDayIn } from '../../lib/zonedTime.ts';

/** Formats a span in a zone in the current UI language; `withDate` false leaves the date out. */
export function useZonedFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return (startsAt: string, endsAt: string | null, zone: string, withDate = true) => formatSpanInZone(startsAt, endsAt, zone, locale, withDate);
}

/**
 * One span of time read in several zones, each row naming its zone in words (the label) and by
 * its IANA name (small, after it), e.g.
 *   Hospital time (Japan Standard Time) Asia/Tokyo     Thu, Dec 3, 2026, 15:00–16:00
 *   Patient’s time (China Standard Time) Asia/Shanghai 14:00–15:00
 * The first row always has the date; later rows repeat it only when it is another day there.
 * A zone equal to an earlier one is not repeated.
 */
export function ZonedTimes({
  startsAt,
  endsAt,
  rows,
  large,
  testId,
}: {
  startsAt: string;
  endsAt: string;
  rows: { zone: string; label: string }[];
  large?: boolean;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  const shown = rows.filter((r, i) => rows.findIndex((o) => o.zone === r.zone) === i);
  const first = shown[0]?.zone;
  return (
    <dl className={`zoned${large ? ' zoned--large' : ''}`} data-testid={testId}>
      {shown.map((r, i) => (
        <div key={r.zone} className={i === 0 ? 'zoned__row zoned__row--first' : 'zoned__row'}>
          <dt>
            {r.label} <span className="zone-iana">{r.zone}</span>
          </dt>
          <dd>
            <time dateTime={startsAt}>
              {(i === 0 || !sameDayIn(startsAt, first, r.zone)) && <span className="zoned__date">{formatDateInZone(startsAt, r.zone, locale)} </span>}
              <span className="zoned__time">{formatSpanInZone(startsAt, endsAt, r.zone, locale, false)}</span>
            </time>
          </dd>
        </div>
      ))}
    </dl>
  );
}
