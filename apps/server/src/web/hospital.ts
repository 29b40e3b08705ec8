import type { Locale } from '@kakehashi/core';
import type { HospitalService } from '../hospital/service.ts';

/** Who the patient is dealing with, for the page shell and its no-JavaScript message. */
export interface HospitalIdentity {
  name: string;
  email: string | null;
  phone: string | null;
}

export type HospitalIdentitySource = (locale: Locale) => Promise<HospitalIdentity>;

/** Until an administrator names the hospital, the product's name and no contact. */
export const defaultHospitalIdentity: HospitalIdentitySource = async () => ({ name: 'Kakehashi', email: null, phone: null });

/** The hospital's identity settings, in the page's language. */
export function hospitalIdentityFrom(hospital: HospitalService): HospitalIdentitySource {
  return async (locale) => {
    const s = await hospital.sender(locale);
    return { name: s.name ?? 'Kakehashi', email: s.contact.email || null, phone: s.contact.phone || null };
  };
}
