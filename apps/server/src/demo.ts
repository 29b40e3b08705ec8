import type { Role } from '@kakehashi/core';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { hashPassword } from './auth/passwords.ts';
import { findUserByEmail } from './auth/repo.ts';
import { findInstitutionByName, insertInstitution } from './institutions/repo.ts';
import { insertUser } from './users/repo.ts';
import { createAuditService } from './audit/service.ts';
import { findHospital, saveTexts, type HospitalTexts } from './hospital/repo.ts';
import { seedDemoCases } from './demo-cases.ts';
import { currentConsent, insertAcceptanceRule, insertConsentVersion, insertFeeSchedule, listAcceptanceRules, listFeeSchedules } from './cases/repo.ts';

export const DEMO_PASSWORD = 'kakehashi-demo';

const INSTITUTIONS = [
  { key: 'own', name: 'Kakehashi Medical Center (Demo)', country: 'JP', kind: 'own', mouStatus: 'none', mouSignedOn: null },
  { key: 'partner', name: 'Shanghai Partner Hospital (Demo)', country: 'CN', kind: 'partner', mouStatus: 'signed', mouSignedOn: '2025-04-01' },
] as const;

const USERS: { email: string; name: string; role: Role; institution: 'own' | 'partner'; locale: string | null }[] = [
  { email: 'admin@example.org', name: 'Admin Test', role: 'admin', institution: 'own', locale: null },
  { email: 'coordinator@example.org', name: 'Coordinator 佐藤 Test', role: 'coordinator', institution: 'own', locale: null },
  { email: 'physician@example.org', name: 'Dr. 山田 Test', role: 'physician', institution: 'own', locale: null },
  { email: 'nurse@example.org', name: 'Nurse 鈴木 Test', role: 'nurse', institution: 'own', locale: null },
  { email: 'interpreter@example.org', name: 'Interpreter 李 Test', role: 'interpreter', institution: 'own', locale: 'zh-CN' },
  { email: 'partner@example.org', name: 'Dr. 王 Test', role: 'partner', institution: 'partner', locale: 'zh-CN' },
  { email: 'analyst@example.org', name: 'Analyst 高橋 Test', role: 'analyst', institution: 'own', locale: null },
];

/** Demo institutions, users and completed cases; running it again adds only what is missing. Returns the users added. */
export async function seedDemo(db: Db, config: Config): Promise<number> {
  const ids: Record<string, string> = {};
  for (const { key, ...inst } of INSTITUTIONS) {
    const found = await findInstitutionByName(db, inst.name);
    ids[key] = found?.id ?? (await insertInstitution(db, inst)).id;
  }
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const audit = createAuditService(db, { secret: config.secret, dataDir: config.dataDir });
  let added = 0;
  for (const u of USERS) {
    if (await findUserByEmail(db, u.email)) continue;
    const created = await insertUser(db, { ...u, institutionId: ids[u.institution], passwordHash });
    if (!created) continue;
    await audit.record(db, { principal: null, ip: null }, { action: 'user.create', actorLabel: 'seed-demo', subjectType: 'user', subjectId: created.id, details: { role: u.role } });
    added++;
  }
  if (!(await listAcceptanceRules(db)).length) {
    for (const [i, [textJa, textZh, textEn]] of DEMO_RULES.entries()) await insertAcceptanceRule(db, { textJa, textZh, textEn, sortOrder: i * 10 });
  }
  if (!(await listFeeSchedules(db)).length) {
    await insertFeeSchedule(db, {
      nameJa: '遠隔セカンドオピニオン 60分（医療通訳込み）',
      nameZh: '远程第二诊疗意见 60 分钟（含医疗翻译）',
      nameEn: 'Remote second opinion, 60 minutes (interpreter included)',
      minutes: 60,
      amount: 110_000,
      currency: 'JPY',
      interpreterIncluded: true,
    });
    await insertFeeSchedule(db, {
      nameJa: '遠隔セカンドオピニオン 30分',
      nameZh: '远程第二诊疗意见 30 分钟',
      nameEn: 'Remote second opinion, 30 minutes',
      minutes: 30,
      amount: 55_000,
      currency: 'JPY',
      interpreterIncluded: false,
    });
  }
  if (!(await findHospital(db))) await saveTexts(db, DEMO_HOSPITAL);
  for (const [locale, body] of Object.entries(DEMO_CONSENT)) {
    if (!(await currentConsent(db, locale))) await insertConsentVersion(db, locale, body, null);
  }
  await seedDemoCases(db, config);
  return added;
}

/** An obviously fictional hospital: its names, contact window and what patients should expect. */
const DEMO_HOSPITAL: HospitalTexts = {
  name: { ja: '架け橋医療センター（デモ）', 'zh-CN': '架桥医疗中心（演示）', en: 'Kakehashi Medical Center (Demo)' },
  department: { ja: '国際診療部', 'zh-CN': '国际医疗部', en: 'International Patient Services' },
  contactEmail: 'international@example.org',
  contactPhone: '+81-3-0000-0000',
  contactFax: '+81-3-0000-0001',
  contactHours: {
    ja: '平日 9:00～17:00（日本時間、土日祝・年末年始を除く）',
    'zh-CN': '工作日 9:00–17:00（日本时间，即北京时间 8:00–16:00；周末及日本法定节假日除外）',
    en: 'Weekdays 9:00–17:00 Japan time (closed on weekends and Japanese public holidays)',
  },
  replyTo: 'international@example.org',
  expectFirstAnswer: {
    ja: 'ご依頼から3営業日以内に、受け入れの可否と必要な資料をご連絡します。',
    'zh-CN': '我们会在收到申请后 3 个工作日内告知能否受理以及需要准备的资料。',
    en: 'Within 3 working days of your request we tell you whether we can accept it and which records we need.',
  },
  expectOpinion: {
    ja: '資料がそろってから、通常2～3週間でオンライン相談を行います。',
    'zh-CN': '资料齐全后，通常在 2–3 周内安排视频会诊。',
    en: 'Once we have your records, the video consultation usually takes place within 2–3 weeks.',
  },
  expectFee: {
    ja: '60分 110,000円（税込、医療通訳込み）。保険は適用されません。',
    'zh-CN': '60 分钟 110,000 日元（含税，含医疗翻译）。不适用医疗保险。',
    en: '¥110,000 for 60 minutes, tax and medical interpreter included. Insurance does not apply.',
  },
  paymentInstructions: {
    ja: '相談日の7日前までに、請求書に記載の口座へお振り込みください（振込手数料はご負担ください）。デモ用の架空の案内です。',
    'zh-CN': '请在会诊日 7 天前汇款至账单所列账户（汇款手续费由您承担）。此为演示用的虚构说明。',
    en: 'Please pay by bank transfer to the account on the invoice at least 7 days before the consultation (transfer fees are yours). Fictional demo instructions.',
  },
};

/** Acceptance rules of the kind the seed hospital used (ja, zh-CN, en). */
const DEMO_RULES = [
  ['訴訟を目的としたご相談ではない', '咨询目的不是诉讼', 'The purpose is not litigation'],
  ['転院・治療の依頼ではない', '不是转院或治疗的请求', 'It is not a request to transfer care or for treatment'],
  ['患者本人がご存命である', '患者本人在世', 'The patient is alive'],
  ['必要な資料がそろっている', '所需资料齐全', 'The required records are complete'],
  ['仲介業者は申込みできるが、相談には同席しない', '中介可以代为申请，但不参加会诊', 'An intermediary may apply but does not attend the consultation'],
];

/** A demonstration consent text; each hospital publishes its own, reviewed by its lawyers. */
const DEMO_CONSENT = {
  ja: [
    '【デモ用の文面です】',
    '1. セカンドオピニオンのため、私（または私が代理する患者）の氏名、生年月日、連絡先、病名、治療経過、検査結果、画像などの医療情報を、当院の国際診療部と担当医療チーム（医師、看護師、医療通訳など）が取り扱うことに同意します。',
    '2. これらの情報が、居住国から日本へ送られ、日本で保管されることに同意します。日本の個人情報保護法に基づいて管理されます。',
    '3. セカンドオピニオンは主治医の診療に代わるものではなく、新たな診断や治療を行うものではないことを理解しています。',
    '4. この同意はいつでも撤回できます。撤回した後は、情報の新たな取り扱いは停止されます。',
  ].join('\n\n'),
  'zh-CN': [
    '【演示用文本】',
    '1. 为提供第二诊疗意见，我同意本院国际医疗部及负责的医疗团队（医生、护士、医疗翻译等）处理我（或我所代理的患者）的姓名、出生日期、联系方式、诊断、治疗经过、检查结果及影像等医疗信息。',
    '2. 我同意上述信息从居住国传输至日本并在日本保存，并依照日本《个人信息保护法》进行管理。',
    '3. 我理解第二诊疗意见不能替代主治医生的诊疗，也不包括新的诊断或治疗。',
    '4. 我可以随时撤回本同意。撤回后，将停止对信息的任何新的处理。',
  ].join('\n\n'),
  en: [
    '[Demonstration text]',
    '1. For the second opinion, I agree that the international department of the hospital and the care team (doctors, nurses, medical interpreters) process the name, birth date, contact details, diagnosis, treatment history, test results and imaging of myself or of the patient I represent.',
    '2. I agree that this information is transferred from the country of residence to Japan and kept in Japan, under the Japanese Act on the Protection of Personal Information.',
    '3. I understand that a second opinion does not replace the care of the primary doctor and is neither a new diagnosis nor a treatment.',
    '4. I can withdraw this consent at any time. After withdrawal, no new processing of the information takes place.',
  ].join('\n\n'),
};
