import { describe, expect, it } from 'vitest';
import { normalizeVerificationCode, verificationCode } from '@kakehashi/core';
import { newVerificationCode, verificationUrl } from './verification.ts';

describe('verification codes', () => {
  it('are 16 symbols of Crockford base32 in groups of four, and do not repeat', () => {
    const codes = Array.from({ length: 2000 }, newVerificationCode);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(verificationCode.safeParse(code).success).toBe(true);
      expect(normalizeVerificationCode(code)).toBe(code);
    }
    expect(new Set(codes).size).toBe(codes.length);
    // Every symbol of the alphabet turns up (the low five bits of a byte pick one, without bias).
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32);
  });

  it('are read back as typed: any case, spaces or hyphens, full-width, O for 0 and I or L for 1', () => {
    expect(normalizeVerificationCode('7kq2 m9xd 4hcw tr3b')).toBe('7KQ2-M9XD-4HCW-TR3B');
    expect(normalizeVerificationCode('7KQ2M9XD4HCWTR3B')).toBe('7KQ2-M9XD-4HCW-TR3B');
    expect(normalizeVerificationCode(' 7KQ2—M9XD－4HCW‐TR3B ')).toBe('7KQ2-M9XD-4HCW-TR3B');
    expect(normalizeVerificationCode('７ＫＱ２ーＭ９ＸＤー４ＨＣＷーＴＲ３Ｂ')).toBe('7KQ2-M9XD-4HCW-TR3B');
    expect(normalizeVerificationCode('O0IL-o0il-1111-0000')).toBe('0011-0011-1111-0000');
  });

  it('refuse what cannot be a code', () => {
    for (const typed of ['', '7KQ2-M9XD-4HCW', '7KQ2-M9XD-4HCW-TR3B-0', '7KQ2-M9XD-4HCW-TR3U', '7KQ2-M9XD-4HCW-TR3!', '7KQ2\u0000M9XD4HCWTR3B', '\ud8007KQ2M9XD4HCWTR3B']) {
      expect(normalizeVerificationCode(typed), typed).toBeNull();
    }
    expect(verificationCode.safeParse('7kq2-m9xd-4hcw-tr3b').success).toBe(false);
  });

  it('are checked at /verify/{code} under the public address', () => {
    expect(verificationUrl('https://so.example.org/', '7KQ2-M9XD-4HCW-TR3B')).toBe('https://so.example.org/verify/7KQ2-M9XD-4HCW-TR3B');
  });
});
