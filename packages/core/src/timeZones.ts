/**
 * Where people name a zone otherwise than `Intl`'s long name: mainland readers say 北京时间
 * (Beijing time) for China's zone, not 中国标准时间.
 */
const SPOKEN: Record<string, Record<string, string>> = {
  'zh-CN': { 'Asia/Shanghai': '北京时间', 'Asia/Chongqing': '北京时间', 'Asia/Harbin': '北京时间', PRC: '北京时间' },
};

/**
 * A time zone as people read it in their language, from `Intl` (日本標準時, 中国标准时间,
 * "China Standard Time") with the few spoken overrides; the IANA name itself when the runtime has
 * no name for it. `at` picks summer or winter time where a zone has both.
 */
export function timeZoneName(zone: string, locale: string, at: Date = new Date()): string {
  const spoken = SPOKEN[locale]?.[zone];
  if (spoken) return spoken;
  try {
    const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'long' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
    return part?.value || zone;
  } catch {
    return zone;
  }
}
