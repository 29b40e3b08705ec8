import { useMemo, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/*
 * Navigation for the patient's pages, without a router: they are three addresses, and on a slow link
 * a router would be a tenth of the first visit's bytes. A link or navigate() to another patient page
 * changes the address in place; any other address is loaded as a new page (the staff console, with
 * its router, in its own bundle).
 */

/** The patient's pages: the request form, the case portal and its image viewer, the device check and the upload-request page. */
export const PATIENT_ADDRESSES = ['/request', '/portal', '/portal/viewer', '/device-check', '/send', '/letter'] as const;
export type PatientAddress = (typeof PATIENT_ADDRESSES)[number];

export const isPatientAddress = (pathname: string): pathname is PatientAddress => (PATIENT_ADDRESSES as readonly string[]).includes(pathname);

const CHANGED = 'kakehashi:navigate';

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/** The current address (path, query, fragment), re-read when it changes. */
export function useLocation(): { pathname: string; search: string; hash: string } {
  const href = useSyncExternalStore(subscribe, () => window.location.href);
  return useMemo(() => {
    const url = new URL(href);
    return { pathname: url.pathname, search: url.search, hash: url.hash };
  }, [href]);
}

/** Goes to an address: in place for a patient page, as a new page load otherwise. */
export function navigate(to: string, { replace = false } = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin || !isPatientAddress(url.pathname)) {
    if (replace) window.location.replace(url);
    else window.location.assign(url);
    return;
  }
  window.history[replace ? 'replaceState' : 'pushState'](null, '', url);
  window.dispatchEvent(new Event(CHANGED));
  if (!replace) window.scrollTo(0, 0);
}

/** An ordinary link that opens another patient page in place (a modified click opens it as usual). */
export function Link({ to, onClick, ...rest }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const follow = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}
