/**
 * The patient portal's guest link token (kg.…). It arrives in the address fragment, which never
 * reaches a server log; the page keeps it in sessionStorage (this tab only) so a reload works,
 * and takes it out of the address bar so it is not shown, shared or bookmarked by accident.
 */
const KEY = 'kakehashi.portal';

export function rememberPortalToken(token: string) {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage unavailable: the token lives as long as the page.
  }
}

export function storedPortalToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** The token of a portal URL such as https://…/portal#kg.…, or null. */
export function tokenOfPortalUrl(url: string): string | null {
  const i = url.indexOf('#');
  return i >= 0 && url.length > i + 1 ? url.slice(i + 1) : null;
}
