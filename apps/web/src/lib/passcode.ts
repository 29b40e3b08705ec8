/** Passcodes made for upload-request links: no look-alike letters or digits (0/O, 1/I/L), easy to read out over the telephone. */
export const PASSCODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Eight characters from the browser's cryptographic generator, as two groups: `K7QM-3RTX` (about 40 bits). */
export function generatePasscode(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const chars: string[] = [];
  while (chars.length < 8) {
    for (const b of random(new Uint8Array(16))) {
      // Only bytes below the largest multiple of the alphabet's length: every character equally likely.
      if (b < 256 - (256 % PASSCODE_ALPHABET.length) && chars.length < 8) chars.push(PASSCODE_ALPHABET[b % PASSCODE_ALPHABET.length]);
    }
  }
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}
