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
