import { useTranslation } from 'react-i18next';
import { useHospital, useLocalized } from '../lib/hospital.ts';

/** The hospital's logo and name (and department), for the top of the patient pages. */
export function HospitalBrand() {
  const { t } = useTranslation();
  const h = useHospital();
  const pick = useLocalized();
  const name = pick(h?.name);
  const department = pick(h?.department);
  return (
    <span className="brand brand--hospital" data-testid="hospital-brand">
      {h?.logoUrl ? <img src={h.logoUrl} alt="" className="brand__logo" /> : <img src="/favicon.svg" alt="" width={28} height={28} />}
      <span className="brand__text">
        <span className="brand__name">{name || t('common.appName')}</span>
        {department && <span className="brand__department">{department}</span>}
      </span>
    </span>
  );
}

/** How to reach the hospital: e-mail, phone, fax and office hours. Nothing when none is set. */
export function HospitalContact() {
  const { t } = useTranslation();
  const h = useHospital();
  const pick = useLocalized();
  if (!h) return null;
  const { email, phone, fax } = h.contact;
  const hours = pick(h.contact.hours);
  if (!email && !phone && !fax && !hours) return null;
  const name = pick(h.name);
  const department = pick(h.department);
  const who = name && department ? t('hospital.nameAndDepartment', { name, department }) : name || department;
  return (
    <section className="card hospital-contact" aria-labelledby="hospital-contact" data-testid="hospital-contact">
      <h2 id="hospital-contact">{t('hospital.contactTitle')}</h2>
      {who && <p className="hospital-contact__who">{who}</p>}
      <dl className="facts facts--compact">
        {email && (
          <div className="facts__wide">
            <dt>{t('hospital.contactEmail')}</dt>
            <dd>
              <a href={`mailto:${email}`}>{email}</a>
            </dd>
          </div>
        )}
        {phone && (
          <div>
            <dt>{t('hospital.contactPhone')}</dt>
            <dd>
              <a href={`tel:${phone.replace(/[^\d+]/g, '')}`}>{phone}</a>
            </dd>
          </div>
        )}
        {fax && (
          <div>
            <dt>{t('hospital.contactFax')}</dt>
            <dd>{fax}</dd>
          </div>
        )}
        {hours && (
          <div className="facts__wide">
            <dt>{t('hospital.contactHours')}</dt>
            <dd>{hours}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}

/** What the patient should expect: time to a first answer, to the opinion, and the fee. Nothing when none is set. */
export function HospitalExpectations({ fee = true }: { fee?: boolean }) {
  const { t } = useTranslation();
  const h = useHospital();
  const pick = useLocalized();
  if (!h) return null;
  const items = [
    { key: 'expectFirstAnswer' as const, text: pick(h.expectations.firstAnswer) },
    { key: 'expectOpinion' as const, text: pick(h.expectations.opinion) },
    ...(fee ? [{ key: 'expectFee' as const, text: pick(h.expectations.fee) }] : []),
  ].filter((i) => i.text);
  if (!items.length) return null;
  return (
    <section className="card hospital-expect" aria-labelledby="hospital-expect" data-testid="hospital-expectations">
      <h2 id="hospital-expect">{t('hospital.expectTitle')}</h2>
      <dl className="facts facts--text">
        {items.map((i) => (
          <div key={i.key} className="facts__wide">
            <dt>{t(`hospital.${i.key}`)}</dt>
            <dd>{i.text}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
