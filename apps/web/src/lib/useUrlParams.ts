import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * Filters and page numbers live in the address, so links and the back button work. `update` sets
 * or (with '' or null) removes parameters and, unless it sets one, goes back to the first page.
 */
export function useUrlParams() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (next: Record<string, string | null>) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(next)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      if (!('page' in next)) p.delete('page');
      setParams(p, { replace: true });
    },
    [params, setParams],
  );
  const clear = useCallback(() => setParams(new URLSearchParams(), { replace: true }), [setParams]);
  return { params, update, clear };
}
