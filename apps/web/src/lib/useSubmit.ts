import { useCallback, useState } from 'react';
import { ApiError, errorMessage, type FieldErrors } from './api.ts';

/**
 * One form (or action) sending to the API: a busy flag, and a failed call turned into its
 * translated message and the errors shown beside fields. `run(fn)` clears both, sets busy while
 * `fn` runs and tells whether it succeeded.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  const fail = useCallback((e: unknown) => {
    setError(errorMessage(e));
    setFieldErrors(e instanceof ApiError ? e.fieldErrors : {});
  }, []);

  const clear = useCallback(() => {
    setError(null);
    setFieldErrors({});
  }, []);

  const run = useCallback(
    async (fn: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      clear();
      try {
        await fn();
        return true;
      } catch (e) {
        fail(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [clear, fail],
  );

  return { busy, error, fieldErrors, run, fail, clear, setError, setFieldErrors };
}
