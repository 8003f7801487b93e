// Runs `tick` every `ms` while the page is visible (a hidden tab asks the API nothing), from the
// first render until the component goes; `enabled` false stops it.
import { useEffect } from 'react';

export function useVisibleInterval(tick: () => void, ms: number, enabled = true): void {
  useEffect(() => {
    if (!enabled) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') tick();
    }, ms);
    return () => window.clearInterval(timer);
  }, [tick, ms, enabled]);
}
