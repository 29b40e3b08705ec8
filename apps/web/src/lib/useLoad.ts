import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  /** The server's error code (e.g. forbidden, guest_link_invalid) when the load failed. */
  errorCode: string | null;
  loading: boolean;
  reload: () => void;
  /** Replaces the data with a fresher copy, e.g. what a change answered. */
  setData: (data: T) => void;
}

/** Runs `load` whenever `key` changes; ignores answers that arrive after a newer request. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errorCode, setErrorCode] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setErrorCode(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(errorMessage(e));
        setErrorCode(e instanceof ApiError ? e.code : 'internal');
        setLoading(false);
      },
    );
  }, [key, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, errorCode, loading, reload, setData };
}
