import type { Locale, ReplyLetter, ReportContent, ReportMeta } from '@kakehashi/core';
import type { Letterhead } from '../pdf/writer.ts';

/*
 * Fictional reports in each language, for tests and the benchmark (bench/report.ts). No real patient,
 * physician or hospital: `Patient 王 Test`, `example.org`.
 */

const TEXT: Record<Locale, { summary: string; q: [string, string][]; diagnosis: string; treatment: string; recommendations: string; discuss: string; role: string; translatorRole: string; letterhead: Letterhead }> = {
  ja: {
    summary:
      '58歳の女性。2026年3月に右乳房のしこりに気づき、現地の病院で針生検を受け、浸潤性乳管癌（ホルモン受容体陽性、HER2陰性）と診断されました。造影CTでは腋窩リンパ節の腫大を1か所認めますが、遠隔転移を示す所見はありません。主治医からは術前化学療法の後に乳房部分切除術を行う方針が示されています。\n\nご本人は、手術を先に行う方法や内分泌療法のみで治療する方法がないか、また化学療法の副作用について不安を感じておられ、当院のセカンドオピニオンを希望されました。',
    q: [
      ['化学療法を受けずに、手術と内分泌療法だけで治療することはできますか。', '腫瘍の大きさとリンパ節転移の状況からは、再発の危険を下げるために化学療法を検討する意義が大きいと考えます。ただし、遺伝子発現検査（多遺伝子アッセイ）の結果によっては化学療法を省略できる可能性もあります。'],
      ['化学療法の副作用で仕事を続けられなくなるのではないかと心配です。', '脱毛、吐き気、倦怠感などの副作用は、現在では予防薬によってかなり軽くすることができます。治療中も仕事を続けている方は多く、勤務の調整について主治医や職場とご相談ください。'],
    ],
    diagnosis: '提供いただいた病理報告書と画像を確認しました。浸潤性乳管癌、ホルモン受容体陽性、HER2陰性、臨床病期 IIA という主治医の診断は妥当と考えます。腋窩リンパ節については、超音波ガイド下の細胞診で転移の有無を確認することをお勧めします。',
    treatment: '術前化学療法の後に手術を行う方針は、標準的な治療として妥当です。腫瘍を小さくしてから手術を行うことで、乳房を温存できる可能性が高まります。術後は内分泌療法を5年以上続けることが推奨されます。',
    recommendations: '1. 腋窩リンパ節の細胞診を行い、リンパ節転移の有無を確定してください。\n2. 多遺伝子アッセイが利用できる場合は、化学療法の必要性を判断する材料として検討してください。\n3. 治療開始前に、妊孕性や骨の健康について確認しておくことをお勧めします。',
    discuss: '化学療法の具体的な薬剤と期間、副作用への対策、仕事との両立、術後の内分泌療法の期間について、主治医とご相談ください。',
    role: '乳腺内科 医長',
    translatorRole: '医療通訳',
    letterhead: {
      name: '架橋がんセンター病院（架空）',
      department: '国際診療部',
      addressLines: ['〒100-0000 東京都千代田区架空町1-2-3'],
      contactLines: ['電話 03-0000-0000 · international@example.org'],
      logo: null,
    },
  },
  'zh-CN': {
    summary:
      '58岁女性。2026年3月发现右侧乳房肿块，在当地医院接受空芯针穿刺活检，诊断为浸润性导管癌（激素受体阳性，HER2阴性）。增强CT显示腋窝淋巴结肿大一处，未见远处转移征象。主治医生建议先进行新辅助化疗，再行保乳手术。\n\n患者本人希望了解是否可以先手术、或仅接受内分泌治疗，并担心化疗的副作用，因此申请本院的第二诊疗意见。',
    q: [
      ['可以不做化疗，只做手术和内分泌治疗吗？', '从肿瘤大小和淋巴结转移情况来看，为降低复发风险，考虑化疗的意义较大。不过，根据多基因检测的结果，也有可能省略化疗。'],
      ['我担心化疗的副作用会让我无法继续工作。', '脱发、恶心、乏力等副作用，如今可以通过预防性用药明显减轻。很多患者在治疗期间继续工作，建议与主治医生和单位商量工作安排。'],
    ],
    diagnosis: '我们审阅了您提供的病理报告和影像资料。主治医生关于浸润性导管癌、激素受体阳性、HER2阴性、临床分期IIA期的诊断是恰当的。关于腋窝淋巴结，建议在超声引导下进行细针穿刺细胞学检查，以明确是否存在转移。',
    treatment: '先进行新辅助化疗再手术的方案，作为标准治疗是恰当的。先缩小肿瘤再手术，可以提高保留乳房的可能性。术后建议持续内分泌治疗五年以上。',
    recommendations: '1. 进行腋窝淋巴结细胞学检查，明确有无淋巴结转移。\n2. 如可进行多基因检测，建议将其作为判断是否需要化疗的依据。\n3. 建议在开始治疗前了解生育力保存和骨骼健康的相关事项。',
    discuss: '请与主治医生商量化疗的具体药物和疗程、副作用的应对、工作与治疗的兼顾，以及术后内分泌治疗的期限。',
    role: '乳腺内科 主任医师',
    translatorRole: '医疗翻译',
    letterhead: {
      name: '架桥癌症中心医院（虚构）',
      department: '国际医疗部',
      addressLines: ['日本东京都千代田区架空町1-2-3（邮编 100-0000）'],
      contactLines: ['电话 +81-3-0000-0000 · international@example.org'],
      logo: null,
    },
  },
  en: {
    summary:
      'A 58-year-old woman noticed a lump in her right breast in March 2026. A core needle biopsy at her local hospital showed invasive ductal carcinoma (hormone receptor positive, HER2 negative). Contrast CT shows one enlarged axillary lymph node and no sign of distant metastasis. Her primary doctor proposes neoadjuvant chemotherapy followed by breast-conserving surgery.\n\nShe asked whether surgery could come first or whether endocrine therapy alone would be enough, and is worried about the side effects of chemotherapy.',
    q: [
      ['Can I be treated with surgery and endocrine therapy only, without chemotherapy?', 'Given the size of the tumour and the lymph node, chemotherapy is worth considering to lower the risk of recurrence. A multigene assay may, however, show that it can be left out.'],
      ['I am worried that the side effects of chemotherapy will keep me from working.', 'Hair loss, nausea and fatigue can today be made much milder with preventive medicines. Many people keep working during treatment; please discuss your working hours with your doctor and your employer.'],
    ],
    diagnosis: 'We reviewed the pathology report and the images you sent. Your primary doctor’s diagnosis of invasive ductal carcinoma, hormone receptor positive, HER2 negative, clinical stage IIA, is sound. We recommend an ultrasound-guided fine-needle aspiration of the axillary lymph node to confirm whether it holds cancer.',
    treatment: 'Neoadjuvant chemotherapy followed by surgery is a sound standard treatment. Shrinking the tumour first makes it more likely that the breast can be conserved. After surgery, endocrine therapy for at least five years is recommended.',
    recommendations: '1. Have the axillary lymph node examined by fine-needle aspiration.\n2. Where a multigene assay is available, consider it to decide whether chemotherapy is needed.\n3. Before treatment starts, ask about fertility preservation and bone health.',
    discuss: 'The drugs and duration of chemotherapy, how side effects will be managed, combining treatment with work, and how long endocrine therapy should continue after surgery.',
    role: 'Chief, Breast Medical Oncology',
    translatorRole: 'Medical interpreter',
    letterhead: {
      name: 'Kakehashi Cancer Center Hospital (fictional)',
      department: 'International Department',
      addressLines: ['1-2-3 Kaku-cho, Chiyoda-ku, Tokyo 100-0000, Japan'],
      contactLines: ['Tel. +81-3-0000-0000 · international@example.org'],
      logo: null,
    },
  },
};

/** A report's content; `repeat` copies every section that many times (a longer report). */
export function sampleContent(locale: Locale, repeat = 1): ReportContent {
  const s = TEXT[locale];
  const times = (text: string) => Array.from({ length: repeat }, () => text).join('\n\n');
  return {
    caseSummary: times(s.summary),
    questions: Array.from({ length: repeat }, () => s.q.map(([question, answer]) => ({ question, answer }))).flat(),
    diagnosisOpinion: times(s.diagnosis),
    treatmentOpinion: times(s.treatment),
    recommendations: times(s.recommendations),
    discussWithPrimaryDoctor: times(s.discuss),
  };
}

export function sampleMeta(locale: Locale, overrides: Partial<ReportMeta> = {}): ReportMeta {
  return {
    caseNumber: 'SO-2026-0042',
    patientName: 'Patient 王 Test',
    physician: { name: locale === 'en' ? 'Hanako Example' : '例示 花子', role: TEXT[locale].role },
    version: 1,
    signedAt: '2026-12-06T05:30:00Z',
    timeZone: 'Asia/Tokyo',
    language: locale,
    verificationCode: '7KQ2-M9XD-4HCW-TR3B',
    verificationUrl: 'https://so.example.org/verify/7KQ2-M9XD-4HCW-TR3B',
    ...overrides,
  };
}

export const sampleLetterhead = (locale: Locale): Letterhead => TEXT[locale].letterhead;
export const sampleTranslatorRole = (locale: Locale) => TEXT[locale].translatorRole;

export function sampleLetter(locale: Locale): ReplyLetter {
  return {
    recipient: { name: locale === 'en' ? 'Taro Referrer' : '紹介 太郎', institution: locale === 'zh-CN' ? '示例市第一人民医院（虚构）' : locale === 'ja' ? '例示市民病院（架空）' : 'Example City Hospital (fictional)', department: '' },
    date: '2026-12-06',
    note: '',
  };
}
