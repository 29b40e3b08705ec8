/** Staff roles. A `partner` is a member of a partner institution. */
export const ROLES = [
  'admin',
  'coordinator',
  'physician',
  'nurse',
  'counsellor',
  'psycho_oncologist',
  'interpreter',
  'hotline_operator',
  'analyst',
  'partner',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles that must use TOTP unless configured otherwise (KAKEHASHI_TOTP_ROLES). */
export const DEFAULT_TOTP_ROLES: readonly Role[] = ['admin', 'physician', 'coordinator'];

export const INSTITUTION_KINDS = ['own', 'partner'] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

export const MOU_STATUSES = ['none', 'negotiating', 'signed', 'expired'] as const;
export type MouStatus = (typeof MOU_STATUSES)[number];

/** Scopes a guest link can grant; each names what the bearer may do on one subject. */
/**
 * case_portal: the patient side's case page; case_upload: an upload-request link (send files into the
 * case, read nothing); case_report: a read link for the primary doctor (the reply letter and the
 * signed report of the case, nothing else).
 */
export const GUEST_SCOPES = ['case_portal', 'case_upload', 'case_report'] as const;
export type GuestScope = (typeof GUEST_SCOPES)[number];
