// The package ships no types: the one function used here.
declare module 'dicom-character-set' {
  /** Decodes a value's bytes under Specific Character Set (0008,0005) (its raw value, backslashes and all). */
  export function convertBytes(specificCharacterSet: string | undefined, bytes: Uint8Array, options?: { vr?: string }): string;
}
