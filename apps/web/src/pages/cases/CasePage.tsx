import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import { caseDetail } from '@kakehashi/core';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../lib/api.ts';
import { caseQuery } from '../../lib/staffQueries.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { useFormat } from '../../lib/time.ts';
import { useRegionName } from '../../lib/regions.ts';
import { PageHead, TimeZoneNote } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { MessageThread } from '../../components/MessageThread.tsx';
import { StaffSchedule } from '../../components/scheduling/StaffSchedule.tsx';
import { Card, StatusBadge } from './parts.tsx';
import { CaseAuditPanel } from './CaseAudit.tsx';
import { ClassificationCard, VisitRecordCard } from './VisitRecord.tsx';
import { ReportCard } from './Report.tsx';
import { PatientWordsCard } from './PatientWordsCard.tsx';
import { RefusedEmails } from '../../components/links/RefusedEmails.tsx';
import { UploadLinkPanel } from '../../components/links/UploadLinkPanel.tsx';
import { StaffSurvey } from '../../components/survey/StaffSurvey.tsx';
import { StaffFollowUps } from '../../components/report/StaffFollowUps.tsx';
import { CaseSharing } from '../../components/report/ReplyLetter.tsx';
import { DocumentsPanel, FeePanel, GuestLinkPanel, ScreeningPanel, StatusPanel, TeamPanel } from './Triage.tsx';

export type CaseDetail = z.infer<typeof caseDetail>;

const FINAL = ['closed', 'cancelled', 'withdrawn'];
/** Times are offered, booked, moved and cancelled only in these statuses (the server agrees). */
const SCHEDULING = ['ready_to_schedule', 'scheduled'];

/** One labelled value; empty values show a dash so the grid stays readable. */
function Fact({ label, children, wide, testId }: { label: string; children: ReactNode; wide?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const empty = children === '' || children === null || children === undefined;
  return (
    <div className={wide ? 'facts__wide' : undefined} data-testid={testId}>
      <dt>{label}</dt>
      <dd>{empty ? t('common.none') : children}</dd>
    </div>
  );
}

function Details({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const region = useRegionName();
  const { patient: p, requester: r, medical: m } = c;
  const words = c.allowed.actions.includes('case.words_read');
  return (
    <>
      <Card id="case-patient" title={t('caseView.patientTitle')}>
        <dl className="facts facts--compact">
          <Fact label={t('caseView.field.nameNative')}>{p.nameNative}</Fact>
          <Fact label={t('caseView.field.nameLatin')}>{p.nameLatin}</Fact>
          <Fact label={t('caseView.field.birthDate')}>{fmt.date(p.birthDate)}</Fact>
          <Fact label={t('caseView.field.sex')}>{t(`caseTerms.sexes.${p.sex}`)}</Fact>
          <Fact label={t('caseView.field.nationality')}>{region(p.nationality)}</Fact>
          <Fact label={t('caseView.residence')}>{[p.city, p.prefecture && t(`prefectures.${p.prefecture}` as 'prefectures.13'), region(p.country)].filter(Boolean).join(', ')}</Fact>
          <Fact label={t('caseView.field.timeZone')}>{p.timeZone}</Fact>
          <Fact label={t('caseView.field.language')}>{t(`languages.${p.preferredLocale}`)}</Fact>
        </dl>
      </Card>

      <Card id="case-requester" title={t('caseView.requesterTitle')}>
        <dl className="facts facts--compact">
          <Fact label={t('caseView.requesterType')}>{t(`cases.requesterTypes.${r.type}`)}</Fact>
          <Fact label={t('caseView.field.requesterName')}>{r.name}</Fact>
          {r.organisation && <Fact label={t('caseView.field.organisation')}>{r.organisation}</Fact>}
          <Fact label={t('caseView.field.email')}>
            <a href={`mailto:${r.email}`} className="mono-wrap">
              {r.email}
            </a>
          </Fact>
          <Fact label={t('caseView.field.phone')}>
            <a href={`tel:${r.phone.replace(/[^\d+]/g, '')}`}>{r.phone}</a>
          </Fact>
          {r.wechatId && <Fact label={t('caseView.field.wechatId')}>{r.wechatId}</Fact>}
        </dl>
      </Card>

      <Card id="case-medical" title={t('caseView.medicalTitle')}>
        <dl className="facts facts--compact facts--text">
          <Fact label={t('caseView.field.department')}>{m.departmentName}</Fact>
          <Fact label={t('caseView.field.primaryDoctor')}>{m.primaryDoctor}</Fact>
          <Fact label={t('caseView.field.primaryHospital')}>{m.primaryHospital}</Fact>
          {/* Shown beside their translation in the card below, for whoever may read it. */}
          {!words && (
            <>
              <Fact label={t('caseView.field.diagnosis')} wide>
                <span className="prewrap">{m.diagnosis}</span>
              </Fact>
              <Fact label={t('caseView.field.currentTreatment')} wide>
                {m.currentTreatment && <span className="prewrap">{m.currentTreatment}</span>}
              </Fact>
              <Fact label={t('caseView.field.pastTreatment')} wide>
                {m.pastTreatment && <span className="prewrap">{m.pastTreatment}</span>}
              </Fact>
              <Fact label={t('caseView.field.questions')} wide>
                <span className="prewrap">{m.questions}</span>
              </Fact>
            </>
          )}
        </dl>
      </Card>
      {words && <PatientWordsCard caseId={c.id} canTranslate={c.allowed.actions.includes('case.words_translate')} />}

      <Card id="case-dates" title={t('caseView.datesTitle')}>
        {c.preferredDates.length === 0 ? (
          <p className="muted">{t('caseView.noDates')}</p>
        ) : (
          <ul className="plain-list">
            {c.preferredDates.map((d, i) => (
              <li key={`${d.date}-${i}`}>
                <strong>{fmt.date(d.date)}</strong>
                {d.note && <span className="muted"> — {d.note}</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card id="case-consent" title={t('caseView.consentTitle')}>
        <dl className="facts facts--compact">
          <Fact label={t('caseView.consentVersion')}>{t('caseView.consentVersionValue', { version: c.consent.version, language: t(`languages.${c.consent.locale}`) })}</Fact>
          <Fact label={t('caseView.consentAt')}>{fmt.dateTime(c.consent.acceptedAt)}</Fact>
          <Fact label={t('caseView.consentBy')}>{c.consent.acceptedBy}</Fact>
          <Fact label={t('caseView.consentWithdrawn')} testId="consent-withdrawn">
            {c.consent.withdrawnAt ? <span className="badge badge--error">{fmt.dateTime(c.consent.withdrawnAt)}</span> : t('caseView.notWithdrawn')}
          </Fact>
        </dl>
      </Card>
    </>
  );
}

function History({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <ol className="history" data-testid="history">
      {[...c.history].reverse().map((h, i) => (
        <li key={`${h.at}-${i}`} className="history__item">
          <div className="history__line">
            <StatusBadge status={h.toStatus} />
            <time dateTime={h.at} className="muted">
              {fmt.dateTime(h.at)}
            </time>
          </div>
          <span className="cell-sub">{!h.actor ? t('common.none') : h.actor.kind === 'user' ? (h.actor.name ?? t('common.none')) : t(`cases.actors.${h.actor.kind}`)}</span>
          {h.note && <p className="history__note prewrap">{h.note}</p>}
        </li>
      ))}
    </ol>
  );
}

function TeamList({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  if (c.team.length === 0) return <p className="muted">{t('caseView.teamNone')}</p>;
  return (
    <ul className="plain-list" data-testid="team">
      {c.team.map((m) => (
        <li key={`${m.userId}-${m.role}`}>
          <strong>{m.name}</strong> <span className="muted">{t(`roles.${m.role}`)}</span>
        </li>
      ))}
    </ul>
  );
}

export function CasePage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { id = '' } = useParams();
  const c = useQuery(caseQuery(id, currentLocale()));
  const d = c.data ?? null;
  const error = c.error && errorMessage(c.error);

  if (!d) {
    return (
      <>
        <PageHead title={t('caseView.titlePlain')} />
        <ErrorAlert>{error}</ErrorAlert>
        {c.isPending && <p role="status">{t('common.loading')}</p>}
        <p>
          <Link to="/cases">{t('caseView.backToInbox')}</Link>
        </p>
      </>
    );
  }

  const manage = d.allowed.manage && !FINAL.includes(d.status);
  return (
    <>
      <p className="breadcrumb">
        <Link to="/cases">{t('caseView.backToInbox')}</Link>
      </p>
      <PageHead title={t('caseView.title', { number: d.number })} intro={`${d.patient.nameNative} · ${d.patient.nameLatin}`} />
      <ErrorAlert>{error}</ErrorAlert>
      <RefusedEmails refused={d.refusedEmails} />
      <section className="card case-summary" aria-label={t('caseView.summary')}>
        <dl className="facts facts--compact">
          <Fact label={t('common.status')} testId="case-status">
            <StatusBadge status={d.status} />
          </Fact>
          <Fact label={t('caseView.since')}>{fmt.dateTime(d.statusSince)}</Fact>
          <Fact label={t('caseView.received')}>{fmt.dateTime(d.createdAt)}</Fact>
          <Fact label={t('caseView.institution')}>{d.institution?.name}</Fact>
          <Fact label={t('caseView.eligibility')} testId="case-eligibility">
            <span className={`badge ${d.eligibility === 'eligible' ? 'badge--ok' : d.eligibility === 'ineligible' ? 'badge--error' : 'badge--warn'}`}>
              {t(`caseTerms.eligibility.${d.eligibility}`)}
            </span>
          </Fact>
          <Fact label={t('caseView.fee')} testId="case-fee">
            {d.fee.amount !== null ? `${fmt.money(d.fee.amount, d.fee.currency)} · ${t(`caseTerms.paymentStatuses.${d.fee.paymentStatus}`)}` : t(`caseTerms.paymentStatuses.${d.fee.paymentStatus}`)}
          </Fact>
        </dl>
        {d.allowed.manage && FINAL.includes(d.status) && <p className="muted">{t('caseView.finalNote')}</p>}
        {!d.allowed.manage && <p className="muted">{t('caseView.readOnlyNote')}</p>}
      </section>

      <div className="case-layout">
        <div className="case-layout__main">
          <Card id="case-schedule" title={t('scheduling.title')}>
            <StaffSchedule caseId={d.id} canManage={manage && SCHEDULING.includes(d.status)} />
            {manage && !SCHEDULING.includes(d.status) && (
              <p className="muted" data-testid="schedule-not-ready">
                {t('scheduling.notReady')}
              </p>
            )}
          </Card>
          {d.allowed.actions.includes('visit_record.read') && <VisitRecordCard caseId={d.id} />}
          {d.allowed.actions.includes('case.classification_read') && <ClassificationCard caseId={d.id} />}
          {d.allowed.actions.includes('report.read') && <ReportCard c={d} />}
          {d.allowed.actions.includes('report.follow_ups_read') && (
            <StaffFollowUps caseId={d.id} canAnswer={d.allowed.actions.includes('report.follow_up_answer')} canTranslate={d.allowed.actions.includes('report.follow_up_translate')} />
          )}
          <Details c={d} />
          <Card id="case-messages" title={t('messages.title')}>
            <MessageThread caseId={d.id} side="staff" patientLocale={d.locale} />
          </Card>
          <Card id="case-history" title={t('caseView.historyTitle')}>
            <History c={d} />
          </Card>
          {d.allowed.actions.includes('case.audit_read') && <CaseAuditPanel caseId={d.id} />}
        </div>
        <div className="case-layout__side">
          <Card id="case-records" title={t('recordsView.cardTitle')}>
            <p className="muted">{t('recordsView.cardIntro')}</p>
            <Link className="button button--secondary" to={`/cases/${d.id}/records`} data-testid="open-records">
              {t('recordsView.open')}
            </Link>
          </Card>
          {manage && <StatusPanel c={d} />}
          {manage && <ScreeningPanel c={d} />}
          <Card id="case-documents" title={t('caseView.documentsTitle')}>
            <DocumentsPanel c={d} manage={manage} />
          </Card>
          <Card id="case-team" title={t('caseView.teamTitle')}>
            {manage ? <TeamPanel c={d} /> : <TeamList c={d} />}
          </Card>
          {manage && <FeePanel c={d} />}
          {d.allowed.manage && <GuestLinkPanel c={d} />}
          {d.allowed.actions.includes('upload_links.read') && <UploadLinkPanel caseId={d.id} patientLocale={d.locale} />}
          {d.allowed.actions.includes('survey.read') && <StaffSurvey caseId={d.id} canSend={d.allowed.actions.includes('survey.open')} />}
          <CaseSharing caseId={d.id} actions={d.allowed.actions} />
        </div>
      </div>
      <TimeZoneNote />
    </>
  );
}
