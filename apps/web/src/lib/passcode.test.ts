import { describe, expect, it } from 'vitest';
import { generatePasscode, PASSCODE_ALPHABET } from './passcode.ts';

describe('upload-link passcodes', () => {
  it('are two groups of four characters without look-alikes, long enough for the server (6+)', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePasscode();
      expect(p).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      expect(p).not.toMatch(/[01OIL]/);
    }
    expect(new Set(Array.from({ length: 50 }, () => generatePasscode())).size).toBe(50);
  });

  it('skip the bytes that would make some characters likelier than others', () => {
    const n = PASSCODE_ALPHABET.length;
    const biased = 256 - (256 % n);
    // The first bytes are all in the biased tail: none of them is used.
    const bytes = [biased, biased + 1, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const p = generatePasscode((b) => (b.set(bytes), b));
    expect(p).toBe(`${PASSCODE_ALPHABET.slice(0, 4)}-${PASSCODE_ALPHABET.slice(4, 8)}`);
  });
});
