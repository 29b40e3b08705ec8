/** A bench setting from the environment: a positive number (a whole one when `integer`), else `fallback`. */
export function positive(name: string, fallback: number, integer = false): number {
  const v = Number(process.env[name] ?? fallback);
  if (!(integer ? Number.isInteger(v) : Number.isFinite(v)) || v <= 0) throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return v;
}
