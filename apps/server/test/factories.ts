import { randomUUID } from 'node:crypto';

// Test data that needs no test runner, so a benchmark can build the same requests.

/** A complete, valid public request; override any part. */
export function buildCaseRequest(overrides: Record<string, unknown> = {}, consentVersionId = '') {
  const base = {
    submissionId: randomUUID(),
    website: '',
    requester: { type: 'family', name: 'Family 王 Test', email: 'family.wang@example.org', phone: '+86 21 5555 0100', wechatId: 'wang_test' },
    patient: {
      nameNative: '王 测试',
      nameLatin: 'WANG Test',
      birthDate: '1962-03-04',
      sex: 'male',
      nationality: 'CN',
      country: 'CN',
      city: 'Shanghai',
      preferredLocale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
    },
    medical: {
      diagnosis: 'Non-small-cell lung cancer, stage IIIA (test)',
      department: 'thoracic_medical',
      currentTreatment: 'Chemotherapy (test)',
      pastTreatment: '',
      primaryDoctor: 'Dr. Test',
      primaryHospital: 'Example Hospital Shanghai',
      questions: 'Is surgery an option? (test)',
    },
    preferredDates: [{ date: new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10), note: 'afternoon' }],
    consent: { versionId: consentVersionId, accepted: true, acceptedBy: 'Family 王 Test' },
  };
  return { ...base, ...overrides };
}

/** The hospital's identity settings, complete and obviously fictional; override any part. */
export function buildHospitalSettings(overrides: Record<string, unknown> = {}) {
  return {
    name: { ja: 'テスト医療センター', 'zh-CN': '测试医疗中心', en: 'Test Medical Center' },
    department: { ja: '国際診療部', 'zh-CN': '国际医疗部', en: 'International Department' },
    contact: {
      email: 'desk@example.org',
      phone: '+81-3-0000-0000',
      fax: '+81-3-0000-0001',
      hours: { ja: '平日 9:00～17:00（日本時間）', 'zh-CN': '工作日 9:00–17:00（日本时间）', en: 'Weekdays 9:00–17:00 Japan time' },
    },
    replyTo: 'replies@example.org',
    expectations: {
      firstAnswer: { ja: '3営業日以内', 'zh-CN': '3 个工作日内', en: 'Within 3 working days' },
      opinion: { ja: '2～3週間', 'zh-CN': '2–3 周', en: '2–3 weeks' },
      fee: { ja: '60分 110,000円', 'zh-CN': '60 分钟 110,000 日元', en: '¥110,000 for 60 minutes' },
    },
    paymentInstructions: { ja: '銀行振込（テスト）', 'zh-CN': '银行汇款（测试）', en: 'Bank transfer (test)' },
    ...overrides,
  };
}
