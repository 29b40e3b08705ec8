/**
 * Who the patient is dealing with, for the page shell and its no-JavaScript message.
 *
 * A placeholder until the hospital identity settings exist on this branch: the lead wires it to
 * them (name in the page's language, contact e-mail and phone). Kakehashi's name meanwhile.
 */
export interface HospitalIdentity {
  name: string;
  email: string | null;
  phone: string | null;
}

export type HospitalIdentitySource = (locale: string) => Promise<HospitalIdentity>;

export const defaultHospitalIdentity: HospitalIdentitySource = async () => ({ name: 'Kakehashi', email: null, phone: null });
