/*
 * Where a request form is kept, with no dependencies: the staff console's shell imports this to
 * forget the staff side's draft at sign-out, without loading the form. The form lives in
 * sessionStorage (this tab only): a reload, or a phone that drops the page while the user looks for
 * a document, loses nothing. The submission id is made once per form, so a double click or a
 * reload after sending returns the same case instead of a second one.
 */
export const draftKey = (storageKey: string) => `${storageKey}.draft`;
export const submissionKey = (storageKey: string) => `${storageKey}.submissionId`;

export function readStored<T>(key: string): T | null {
  try {
    const v = sessionStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : null;
  } catch {
    return null;
  }
}
export function writeStored(key: string, value: unknown) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage unavailable or full: the form still works, it just does not survive a reload.
  }
}

/** Forgets a form's draft and submission id: the next form is a new request. */
export function clearRequestForm(storageKey: string) {
  writeStored(draftKey(storageKey), null);
  writeStored(submissionKey(storageKey), null);
}

/** This tab's draft of a request entered by staff (pages/cases/NewRequest.tsx); forgotten at sign-out. */
export const STAFF_REQUEST_STORAGE_KEY = 'kakehashi.staffRequest';
