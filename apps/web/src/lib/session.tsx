import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, setCsrfToken, setUnauthenticatedHandler, type ResponseOf } from './api.ts';
import { setLocale } from './i18n.ts';
import { forgetSignedInData } from './query.ts';

export type Me = ResponseOf<typeof CONTRACTS.getMe>;

type Status = 'loading' | 'signedIn' | 'signedOut';

interface Session {
  status: Status;
  /** Why the user is signed out: they asked to, or the session ended (expired, revoked). */
  signedOutBy: 'user' | 'server' | null;
  me: Me | null;
  /** Reads GET /me again; returns null when not signed in. */
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
  /** Changes the UI language and, when signed in, remembers it on the account. */
  changeLocale: (locale: Locale) => Promise<void>;
  /** Starts reading GET /me (once): see useSession. */
  want: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** GET /me asked before React mounts (main.tsx: a page opened by its address that will want it); the first refresh takes the answer. */
let early: Promise<Me> | null = null;
export function askMeEarly(): void {
  early ??= call(CONTRACTS.getMe, {}, { quiet401: true });
  early.catch(() => undefined);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [signedOutBy, setSignedOutBy] = useState<'user' | 'server' | null>(null);
  // Patient pages never ask who is signed in: on a slow link, GET /me would cost a request for nothing.
  const [wanted, setWanted] = useState(false);
  const want = useCallback(() => setWanted(true), []);

  const clear = useCallback((by: 'user' | 'server' = 'server') => {
    // A 401 from /me may come from a half-finished sign-in whose token is still needed.
    if (by === 'user') setCsrfToken(null);
    forgetSignedInData();
    setMe(null);
    setSignedOutBy(by);
    setStatus('signedOut');
  }, []);

  const refresh = useCallback(async (): Promise<Me | null> => {
    try {
      const asked = early;
      early = null;
      const m = await (asked ?? call(CONTRACTS.getMe, {}, { quiet401: true }));
      setCsrfToken(m.csrfToken);
      setMe(m);
      setSignedOutBy(null);
      setStatus('signedIn');
      return m;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        clear('server');
        return null;
      }
      // Network or server trouble: do not pretend the user is signed out.
      setStatus((s) => (s === 'loading' ? 'signedOut' : s));
      throw e;
    }
  }, [clear]);

  useEffect(() => {
    setUnauthenticatedHandler(() => clear('server'));
    return () => setUnauthenticatedHandler(null);
  }, [clear]);

  useEffect(() => {
    if (wanted) refresh().catch(() => undefined);
  }, [wanted, refresh]);

  const signOut = useCallback(async () => {
    try {
      await call(CONTRACTS.signOut, {}, { quiet401: true });
    } finally {
      clear('user');
    }
  }, [clear]);

  const changeLocale = useCallback(
    async (locale: Locale) => {
      await setLocale(locale);
      if (me && me.via === 'session') {
        try {
          await call(CONTRACTS.updateMe, { body: { locale } }, { quiet401: true });
          setMe({ ...me, locale });
        } catch {
          // The choice still applies in this browser; the account keeps its old default.
        }
      }
    },
    [me],
  );

  const value = useMemo(
    () => ({ status, signedOutBy, me, refresh, signOut, changeLocale, want }),
    [status, signedOutBy, me, refresh, signOut, changeLocale, want],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The signed-in user, read from the server the first time a screen asks (status 'loading' until then). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  useEffect(() => s?.want(), [s]);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/**
 * Changes the UI language (and the account's, when the session is known) without asking the
 * server who is signed in: the language picker is on the patient pages too.
 */
export function useChangeLocale(): Session['changeLocale'] {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useChangeLocale outside SessionProvider');
  return s.changeLocale;
}

/** For screens inside the signed-in layout, where `me` is known. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}
