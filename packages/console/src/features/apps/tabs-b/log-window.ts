// The time windows the logs tab offers ("the last 10 minutes" …) and whether a scrolled log view
// sits at its bottom (then new lines keep it there; a reader who scrolled up is left alone).
export const LOG_WINDOWS = ['10m', '1h', '1d', 'all'] as const;
export type LogWindow = (typeof LOG_WINDOWS)[number];

const WINDOW_MS: Record<Exclude<LogWindow, 'all'>, number> = {
  '10m': 10 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
};

/** The `since` of a window (epoch ms), or undefined for every line still kept. */
export function windowSince(window: LogWindow, now: number): number | undefined {
  return window === 'all' ? undefined : Math.max(0, now - WINDOW_MS[window]);
}

/** Within `slack` pixels of the bottom counts as at the bottom (rounding, sub-pixel scrolling). */
export function isAtBottom(
  view: { scrollTop: number; scrollHeight: number; clientHeight: number },
  slack = 24,
): boolean {
  return view.scrollHeight - view.scrollTop - view.clientHeight <= slack;
}
