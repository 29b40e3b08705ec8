import { randomBytes } from 'node:crypto';
import { VERIFICATION_ALPHABET, VERIFICATION_CODE_LENGTH } from '@kakehashi/core';

/**
 * A new verification code: 16 symbols of Crockford's base32 from the system's random source (80 bits:
 * not guessable, and short enough to type from paper), grouped by four: `7KQ2-M9XD-4HCW-TR3B`. A typed
 * one is read back with core's normalizeVerificationCode.
 */
export function newVerificationCode(): string {
  // 32 symbols divide 256: the low five bits of a random byte pick one without bias.
  const symbols = [...randomBytes(VERIFICATION_CODE_LENGTH)].map((b) => VERIFICATION_ALPHABET[b & 31]).join('');
  return symbols.match(/.{4}/g)!.join('-');
}

/** Where anyone checks a document by its code (the page comes with the report's routes). */
export function verificationUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/$/, '')}/verify/${code}`;
}
