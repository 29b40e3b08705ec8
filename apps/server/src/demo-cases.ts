import { caseRequestBody, classificationBody, STATS_CODES, patientWordsBody, reportContent, surveyAnswers, visitRecordBody, type Locale, type Role } from '@kakehashi/core';
import type { z } from 'zod';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Actor } from './auth/principal.ts';
import { findUserByEmail } from './auth/repo.ts';
import { currentConsent, findCaseBySubmission } from './cases/repo.ts';
import { moveParticipants, updateVisit } from './scheduling/repo.ts';
import { createServices } from './services.ts';

type Content = z.input<typeof reportContent>;
type Disposition = z.input<typeof classificationBody>['disposition'];

/**
 * One completed demo case: the request in the patient's language, the opinion (written in Japanese
 * and translated where the patient reads another language), and what happened after it. Fictional.
 */
interface DemoCase {
  /** Fixed, so seeding again finds the case instead of making a second one. */
  submissionId: string;
  locale: Locale;
  requester: { name: string; email: string; phone: string };
  patient: { nameNative: string; nameLatin: string; birthDate: string; sex: 'male' | 'female'; nationality: string; country: string; city: string; timeZone: string };
  medical: { diagnosis: string; currentTreatment: string; pastTreatment: string; questions: string; primaryDoctor: string; primaryHospital: string };
  /** The interpreter's Japanese of the patient's words (none for a Japanese request). */
  wordsJa: { diagnosis: string; currentTreatment: string; pastTreatment: string; questions: string } | null;
  opinion: Content;
  /** The patient's language, when it is not Japanese. */
  translation: Content | null;
  disposition: Disposition;
  receivingHospital?: string;
  /** Closed with every follow-up done; else left with the disposition's checklist open. */
  closed: boolean;
}

const opinion = (summary: string, diagnosis: string, treatment: string, question: string, answer: string): Content => ({
  caseSummary: summary,
  questions: [{ question, answer }],
  diagnosisOpinion: diagnosis,
  treatmentOpinion: treatment,
  recommendations: '',
  discussWithPrimaryDoctor: '',
});

const CASES: DemoCase[] = [
  {
    submissionId: '6a1f5d0e-3c2b-4f7a-9d10-000000000001',
    locale: 'ja',
    requester: { name: '患者 田中 Test', email: 'tanaka.patient@example.org', phone: '+81-90-0000-0001' },
    patient: { nameNative: '田中 テスト', nameLatin: 'TANAKA Test', birthDate: '1958-06-12', sex: 'male', nationality: 'JP', country: 'SG', city: 'Singapore', timeZone: 'Asia/Singapore' },
    medical: {
      diagnosis: '大腸がん ステージII（デモ）',
      currentTreatment: '術後の経過観察中',
      pastTreatment: '腹腔鏡下結腸切除術（デモ）',
      questions: '術後補助化学療法は必要ですか？',
      primaryDoctor: 'Dr. Lim Test',
      primaryHospital: 'Example General Hospital Singapore',
    },
    wordsJa: null,
    opinion: opinion(
      '大腸がんステージIIで結腸切除術後の患者 田中 テスト さん（デモ）。',
      '病理所見からステージIIの診断に同意します。',
      '再発リスクの低いステージIIであり、主治医の経過観察の方針は妥当です。',
      '術後補助化学療法は必要ですか？',
      '現時点では必須ではありません。定期的な検査で経過を見ることをお勧めします。',
    ),
    translation: null,
    disposition: 'returned_to_primary_doctor',
    closed: true,
  },
  {
    submissionId: '6a1f5d0e-3c2b-4f7a-9d10-000000000002',
    locale: 'zh-CN',
    requester: { name: 'Family 王 Test', email: 'wang.family@example.org', phone: '+86 21 5555 0101' },
    patient: { nameNative: '王 测试', nameLatin: 'WANG Test', birthDate: '1962-03-04', sex: 'male', nationality: 'CN', country: 'CN', city: 'Shanghai', timeZone: 'Asia/Shanghai' },
    medical: {
      diagnosis: '肺腺癌 IIIA 期（演示）',
      currentTreatment: '化疗中（演示）',
      pastTreatment: '',
      questions: '还可以做手术吗？',
      primaryDoctor: 'Dr. 张 Test',
      primaryHospital: 'Example Hospital Shanghai',
    },
    wordsJa: { diagnosis: '肺腺がん IIIA期（デモ）', currentTreatment: '化学療法中（デモ）', pastTreatment: '', questions: 'まだ手術はできますか？' },
    opinion: opinion(
      '肺腺がんIIIA期で化学療法中の患者 王 测试 さん（デモ）。',
      'IIIA期の診断に同意します。',
      '化学療法の効果次第で手術の適応があり、当院での治療が選択肢になります。',
      'まだ手術はできますか？',
      '化学療法で腫瘍が縮小すれば、手術は可能と考えます。',
    ),
    translation: opinion(
      '王 测试（演示），肺腺癌 IIIA 期，正在接受化疗。',
      '同意 IIIA 期的诊断。',
      '根据化疗效果，可以考虑手术，来本院治疗是一个选择。',
      '还可以做手术吗？',
      '如果化疗后肿瘤缩小，我们认为可以手术。',
    ),
    disposition: 'travel_to_japan_for_treatment',
    closed: false,
  },
  {
    submissionId: '6a1f5d0e-3c2b-4f7a-9d10-000000000003',
    locale: 'en',
    requester: { name: 'Patient Smith Test', email: 'smith.patient@example.org', phone: '+1 555 0100' },
    patient: { nameNative: 'Smith Test', nameLatin: 'SMITH Test', birthDate: '1970-11-23', sex: 'female', nationality: 'US', country: 'US', city: 'Seattle', timeZone: 'America/Los_Angeles' },
    medical: {
      diagnosis: 'Breast cancer, stage I, HER2-positive (demo)',
      currentTreatment: 'Trastuzumab (demo)',
      pastTreatment: 'Lumpectomy (demo)',
      questions: 'How long should the treatment continue?',
      primaryDoctor: 'Dr. Jones Test',
      primaryHospital: 'Example Medical Center Seattle',
    },
    wordsJa: { diagnosis: '乳がん ステージI、HER2陽性（デモ）', currentTreatment: 'トラスツズマブ（デモ）', pastTreatment: '乳房部分切除術（デモ）', questions: '治療はどのくらい続けるべきですか？' },
    opinion: opinion(
      '乳がんステージI（HER2陽性）で乳房部分切除術後の患者 Smith Test さん（デモ）。',
      '診断に同意します。',
      '1年間の抗HER2療法が標準です。近くのがん専門病院での継続をお勧めします。',
      '治療はどのくらい続けるべきですか？',
      '通常は1年間です。',
    ),
    translation: opinion(
      'Smith Test (demo), stage I HER2-positive breast cancer after lumpectomy.',
      'We agree with the diagnosis.',
      'One year of anti-HER2 therapy is the standard. We recommend continuing it at a cancer hospital near home.',
      'How long should the treatment continue?',
      'Usually one year.',
    ),
    disposition: 'referred_to_regional_hospital',
    receivingHospital: 'Example Cancer Institute Seattle (demo)',
    closed: false,
  },
];

/**
 * Completed demo cases, made through the services as staff and the patient would (the gate, the
 * audit trail, real signed PDFs): requested, screened, a team, a visit booked and recorded as held,
 * classified, the patient's words translated, the report signed and delivered, the survey answered,
 * and the first one closed. A case whose request exists already is left as it is.
 */
export async function seedDemoCases(db: Db, config: Config): Promise<void> {
  const services = createServices(db, config);
  const staff = async (email: string): Promise<Actor> => {
    const u = await findUserByEmail(db, email);
    if (!u) throw new Error(`demo user ${email} missing`);
    const user = { id: u.id, email: u.email, name: u.name, role: u.role as Role, institutionId: u.institutionId, locale: null, totpEnabled: false };
    return { principal: { kind: 'user', via: 'token', tokenId: 'seed-demo', user }, ip: null, userAgent: 'seed-demo', locale: 'ja' };
  };
  const [coordinator, physician, nurse, interpreter] = await Promise.all(['coordinator', 'physician', 'nurse', 'interpreter'].map((r) => staff(`${r}@example.org`)));
  const idOf = (a: Actor) => (a.principal?.kind === 'user' ? a.principal.user.id : '');
  for (const [i, d] of CASES.entries()) {
    if (await findCaseBySubmission(db, d.submissionId)) continue;
    const consent = await currentConsent(db, d.locale);
    const request = caseRequestBody.parse({
      submissionId: d.submissionId,
      requester: { type: 'patient', ...d.requester },
      patient: { ...d.patient, preferredLocale: d.locale },
      medical: { ...d.medical, department: 'thoracic_medical' },
      preferredDates: [],
      consent: { versionId: consent!.id, accepted: true, acceptedBy: d.requester.name },
      preferredLocale: d.locale,
      timeZone: d.patient.timeZone,
    });
    const { case: row, portal } = (await services.cases.submit({ principal: null, ip: `seed-demo-${i}`, userAgent: 'seed-demo', locale: d.locale }, request)) as { case: { id: string }; portal: { token: string } };
    const caseId = row.id;
    await services.triage.screen(coordinator, caseId, { eligibility: 'eligible', reason: '', rules: {} });
    await services.triage.setTeam(coordinator, caseId, {
      members: [
        { userId: idOf(physician), role: 'physician' },
        { userId: idOf(nurse), role: 'nurse' },
        { userId: idOf(interpreter), role: 'interpreter' },
      ],
    });
    await services.cases.transition(coordinator, caseId, 'ready_to_schedule');
    // A free hour a few days ahead, each case its own (the team is the same).
    const startsAt = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + (72 + 25 * i) * 3_600_000);
    const offered = await services.scheduling.offer(coordinator, caseId, [{ startsAt: startsAt.toISOString(), minutes: 60 }]);
    const booked = await services.scheduling.book(coordinator, caseId, offered.offers[0].id);
    const visitId = booked.visit!.id;
    await services.scheduling.setVideo(coordinator, visitId, 'jitsi', `https://meet.example.org/kakehashi-demo-${i + 1}`);
    // Booking takes only times ahead, and the demo's consultations have taken place: the visit (and
    // the team's hold on that hour) moves to a past day and its reminders are dropped.
    const heldAt = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - (20 - 5 * i) * 86_400_000);
    const heldUntil = new Date(heldAt.getTime() + 60 * 60_000);
    await updateVisit(db, visitId, { startsAt: heldAt, endsAt: heldUntil });
    await moveParticipants(db, visitId, heldAt, heldUntil);
    await services.mail.cancelPending(`visit:${visitId}:reminder`);
    const team = [
      { userId: idOf(physician), role: 'physician' as const },
      { userId: idOf(nurse), role: 'nurse' as const },
      { userId: idOf(interpreter), role: 'interpreter' as const },
    ];
    await services.visitRecords.save(
      physician,
      visitId,
      visitRecordBody.parse({
        version: 0,
        held: true,
        startedAt: heldAt.toISOString(),
        endedAt: new Date(heldAt.getTime() + 55 * 60_000).toISOString(),
        attendance: { team, patient: true, family: d.locale === 'zh-CN', interpreter: false, others: '' },
        doctorNotes: 'Explained the opinion and answered the questions (demo).',
        nurseNotes: 'Checked what the patient had understood (demo).',
      }),
    );
    if (d.wordsJa) await services.patientWords.save(interpreter, caseId, 'ja', patientWordsBody.parse({ version: 0, ...d.wordsJa }));

    // The report: the physician's Japanese original, the interpreter's translation, both signed.
    let report = await services.reports.saveOriginal(physician, caseId, { language: 'ja', version: 0, content: reportContent.parse(d.opinion) });
    const text = (l: Locale) => report.texts.find((x) => x.language === l)!;
    report = await services.reports.sign(physician, caseId, 'ja', text('ja').version);
    if (d.translation) {
      report = await services.reports.saveTranslation(interpreter, caseId, d.locale, { version: 0, content: reportContent.parse(d.translation) });
      report = await services.reports.markReady(interpreter, caseId, d.locale, text(d.locale).version);
      report = await services.reports.sign(physician, caseId, d.locale, text(d.locale).version);
    }
    // The delivery opened the survey; the patient answers it on the portal.
    const grant = await services.guestLinks.resolve(portal.token);
    if (grant && grant !== 'passcode') {
      const guest: Actor = { principal: { kind: 'guest', linkId: grant.linkId, scope: grant.scope, subjectId: caseId }, ip: null, userAgent: 'seed-demo', locale: d.locale };
      await services.surveys.submit(guest, caseId, surveyAnswers.parse({ purpose: 1, understanding: 1, satisfaction: 2, nurse: ['nurse_talk_after_glad'] }));
    }

    // What follows: the disposition's checklist (all done for the closed case), then closing.
    const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    const cls = await services.visitRecords.saveClassification(
      physician,
      caseId,
      classificationBody.parse({ version: 0, subject: 'treatment', stage: 'early', outcomes: ['new_treatment_view'], reason: 'doctor_uncertain', disposition: d.disposition, receivingHospital: d.receivingHospital ?? '' }),
    );
    const followUps = cls.followUps.map((f, j) => (d.closed ? { ...f, state: 'done' as const } : { ...f, due, ownerId: j % 2 ? idOf(interpreter) : idOf(nurse) }));
    await services.visitRecords.saveClassification(coordinator, caseId, classificationBody.parse({ ...cls, version: cls.version, followUps }));
    if (d.closed) await services.cases.transition(coordinator, caseId, 'closed');
  }  const history = await services.stats.import(coordinator, demoHistory(), 'all-or-nothing');
  if (history.rejected.length) throw new Error(`demo history refused: ${JSON.stringify(history.rejected.slice(0, 3))}`);
}

/**
 * Two and a half years of fictional past consultations (from April 2024), as a hospital would import
 * its spreadsheet history, so the statistics have something to show. The same each time (a seeded
 * generator): importing it again updates the same case numbers.
 */
export function demoHistory(): string {
  let seed = 20240401;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[], weights?: readonly number[]): T => {
    let r = random() * (weights ?? xs.map(() => 1)).reduce((a, b) => a + b, 0);
    for (const [i, x] of xs.entries()) if ((r -= weights?.[i] ?? 1) < 0) return x;
    return xs[xs.length - 1];
  };
  const departments = ['thoracic_medical', 'hematology', 'gi_medical', 'breast_medical', 'hbp_medical', 'urology', 'head_neck', 'gynecology'];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const header = 'case_number,requested_on,department,requester,sex,residence,stage,subject,outcomes,reason,disposition,survey_purpose,survey_understanding,survey_satisfaction,survey_nurse,visited_on,reported_on';
  const rows: string[] = [];
  const start = Date.UTC(2024, 3, 1);
  const end = Date.UTC(2026, 9, 31);
  for (let n = 1; n <= 420; n++) {
    const requested = new Date(start + Math.floor(random() * ((end - start) / 86_400_000)) * 86_400_000);
    const visited = new Date(requested.getTime() + Math.round(7 + random() * 21) * 86_400_000);
    const reported = new Date(visited.getTime() + Math.round(2 + random() * 8) * 86_400_000);
    const surveyed = random() < 0.6;
    const outcomes = [pick(STATS_CODES.outcome, [5, 3, 2, 1])];
    if (random() < 0.25) outcomes.push(pick(STATS_CODES.outcome));
    rows.push(
      [
        `DEMO-H-${String(n).padStart(4, '0')}`,
        day(requested),
        pick(departments, [6, 4, 3, 3, 2, 2, 1, 1]),
        pick(STATS_CODES.requester, [6, 3, 2, 1]),
        pick(STATS_CODES.sex, [10, 9, 0.3, 0.7]),
        pick([...STATS_CODES.residence, ''], [2, 2, 12, 0.5]),
        pick([...STATS_CODES.stage, ''], [3, 6, 1, 0.5]),
        pick(STATS_CODES.subject, [3, 1]),
        [...new Set(outcomes)].join(';'),
        pick(STATS_CODES.reason),
        pick(STATS_CODES.disposition),
        surveyed ? pick(['1', '2', '3', '4'], [6, 3, 1, 0.3]) : '',
        surveyed ? pick(['1', '2', '3', '4'], [5, 4, 1, 0.3]) : '',
        surveyed ? pick(['1', '2', '3', '4'], [6, 3, 1, 0.2]) : '',
        surveyed ? pick(STATS_CODES.nurse) : '',
        day(visited),
        day(reported),
      ].join(','),
    );
  }
  return [header, ...rows].join('\n');
}
