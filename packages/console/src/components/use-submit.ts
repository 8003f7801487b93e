// The state of a form's submit: busy while the call runs, and its failure (shown by the form with
// its code). `onError` may put a failure beside the field it concerns; returning true there means
// it was handled and the form-level alert stays empty.
import { useCallback, useState } from 'react';

export interface Submit {
  busy: boolean;
  error: unknown;
  run(work: () => Promise<void>, onError?: (err: unknown) => boolean | undefined): Promise<void>;
  clearError(): void;
}

export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(
    async (work: () => Promise<void>, onError?: (err: unknown) => boolean | undefined) => {
      setBusy(true);
      setError(undefined);
      try {
        await work();
      } catch (err) {
        if (onError?.(err) !== true) setError(err);
      } finally {
        setBusy(false);
      }
    },
    [],
  );
  const clearError = useCallback(() => setError(undefined), []);
  return { busy, error, run, clearError };
}
