import { useEffect, useState } from 'react';
import { navigate, useLocation } from './nav.tsx';

/*
 * A page opened from a link someone was sent (/send, /letter): the token comes in the address
 * fragment (never in a server log) and is kept, with the passcode once it worked, for a reload in
 * this tab only.
 */

export interface StoredLink {
  token: string;
  passcode: string | null;
}

export function rememberLink(key: string, token: string, passcode: string | null) {
  try {
    sessionStorage.setItem(key, JSON.stringify({ token, passcode }));
  } catch {
    // Storage unavailable: they live as long as the page.
  }
}

export function storedLink(key: string): StoredLink | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(key) ?? 'null') as { token?: unknown; passcode?: unknown } | null;
    return v && typeof v.token === 'string' ? { token: v.token, passcode: typeof v.passcode === 'string' ? v.passcode : null } : null;
  } catch {
    return null;
  }
}

/** Reads the token from the address fragment once, and clears the address bar (its language too: a later choice wins on reload). */
export function useLinkToken(key: string): string | null {
  const location = useLocation();
  const fromHash = location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : null;
  const [token, setToken] = useState<string | null>(() => {
    if (fromHash && storedLink(key)?.token !== fromHash) rememberLink(key, fromHash, null);
    return fromHash ?? storedLink(key)?.token ?? null;
  });
  useEffect(() => {
    if (!fromHash) return;
    if (storedLink(key)?.token !== fromHash) rememberLink(key, fromHash, null);
    setToken(fromHash);
    navigate(location.pathname, { replace: true });
  }, [key, fromHash, location.pathname]);
  return token;
}
