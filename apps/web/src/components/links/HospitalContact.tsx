/**
 * The hospital's contact for a patient without a working link (department, telephone, e-mail,
 * hours). A slot for the identity settings, which are built separately: until they exist it shows
 * nothing, and the bare portal offers the fresh-link form alone.
 */
export function HospitalContact() {
  return null;
}
