import { describe, expect, it } from 'vitest';
import { checkPatient, headerDate, namesMatch, normaliseName } from './patientMatch.ts';

const WANG = { nameNative: '王 小明', nameLatin: 'Wang Xiaoming', birthDate: '1970-01-31', sex: 'male' };
const ARCHIBALD = { nameNative: 'Archibald Doe', nameLatin: 'Archibald Doe', birthDate: '1950-06-01', sex: 'unknown' };
const YAMADA = { nameNative: '山田 花子', nameLatin: 'Yamada Hanako', birthDate: '1985-12-03', sex: 'female' };

describe('comparing the patient a header names with the case’s patient', () => {
  it('normalises names: NFKC, case folding, collapsed spaces', () => {
    expect(normaliseName('  ＷＡＮＧ\u3000  Xiaoming ')).toBe('wang xiaoming');
    expect(normaliseName('ﾔﾏﾀﾞ')).toBe('ヤマダ');
  });

  it('matches family^given in either order, against the native and the Latin form', () => {
    expect(namesMatch('Doe^Archibald', ARCHIBALD)).toBe(true);
    expect(namesMatch('Archibald^Doe', ARCHIBALD)).toBe(true);
    expect(namesMatch('DOE^ARCHIBALD', ARCHIBALD)).toBe(true);
    expect(namesMatch('WANG^XIAOMING', WANG)).toBe(true);
    expect(namesMatch('王^小明', WANG)).toBe(true);
    expect(namesMatch('王小明', WANG)).toBe(true);
    expect(namesMatch('Wang^Xiao-Ming', WANG)).toBe(true);
    expect(namesMatch('Doe^Peter', ARCHIBALD)).toBe(false);
    expect(namesMatch('Wang^Xiaohong', WANG)).toBe(false);
  });

  it('compares each of the alphabetic, ideographic and phonetic groups', () => {
    expect(namesMatch('Yamada^Hanako=山田^花子=やまだ^はなこ', YAMADA)).toBe(true);
    // Only the ideographic group says who it is: enough.
    expect(namesMatch('=山田^花子=', YAMADA)).toBe(true);
    // The phonetic group alone, half-width katakana against a Latin-only case: no.
    expect(namesMatch('=^=ﾔﾏﾀﾞ^ﾊﾅｺ', YAMADA)).toBe(false);
    expect(namesMatch('Tanaka^Hanako=田中^花子', YAMADA)).toBe(false);
  });

  it('leaves out prefix and suffix, and tolerates a middle name in its place', () => {
    expect(namesMatch('Doe^Archibald^^Dr.^Jr.', ARCHIBALD)).toBe(true);
    expect(namesMatch('Doe^John^Archibald', { ...ARCHIBALD, nameLatin: 'John Archibald Doe' })).toBe(true);
  });

  it('reads DA dates, old ones with dots, and treats partial dates as unknown', () => {
    expect(headerDate('19700131')).toBe('1970-01-31');
    expect(headerDate('1970.01.31')).toBe('1970-01-31');
    expect(headerDate('1970')).toBeNull();
    expect(headerDate('')).toBeNull();
    expect(headerDate(null)).toBeNull();
  });

  it('holds a header whose name, birth date or sex differs, naming each field that does', () => {
    expect(checkPatient({ name: 'Wang^Xiaoming', birthDate: '19700131', sex: 'M' }, WANG)).toEqual({ result: 'match', differs: [] });
    expect(checkPatient({ name: 'Wang^Xiaoming', birthDate: '19700130', sex: 'M' }, WANG)).toEqual({ result: 'mismatch', differs: ['birthDate'] });
    expect(checkPatient({ name: 'Wang^Xiaoming', birthDate: '19700131', sex: 'F' }, WANG)).toEqual({ result: 'mismatch', differs: ['sex'] });
    expect(checkPatient({ name: 'Doe^Peter', birthDate: null, sex: 'M' }, ARCHIBALD)).toEqual({ result: 'mismatch', differs: ['name'] });
    expect(checkPatient({ name: 'Li^Na', birthDate: '19991231', sex: 'F' }, WANG)).toEqual({ result: 'mismatch', differs: ['name', 'birthDate', 'sex'] });
  });

  it('does not count an unknown value as a difference', () => {
    // No sex in the header, or an unknown sex on the case; O is not compared.
    expect(checkPatient({ name: 'Doe^Archibald', birthDate: null, sex: null }, ARCHIBALD).result).toBe('match');
    expect(checkPatient({ name: 'Doe^Archibald', birthDate: null, sex: 'M' }, ARCHIBALD).result).toBe('match');
    expect(checkPatient({ name: 'Wang^Xiaoming', birthDate: null, sex: 'O' }, WANG).result).toBe('match');
    // A birth date alone, matching: the name is unknown, not different.
    expect(checkPatient({ name: null, birthDate: '19700131', sex: null }, WANG).result).toBe('match');
    expect(checkPatient({ name: '', birthDate: '19700130', sex: null }, WANG)).toEqual({ result: 'mismatch', differs: ['birthDate'] });
  });

  it('cannot check a header with neither a name nor a birth date', () => {
    expect(checkPatient({ name: null, birthDate: null, sex: 'M' }, WANG)).toEqual({ result: 'unchecked', differs: [] });
    expect(checkPatient({ name: '^=^', birthDate: '', sex: null }, WANG)).toEqual({ result: 'unchecked', differs: [] });
    expect(checkPatient({ name: 'Anonymous', birthDate: null, sex: null }, WANG).result).toBe('mismatch');
  });
});
