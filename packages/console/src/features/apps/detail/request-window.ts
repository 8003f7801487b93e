// A deploy request's window from the request form: the optional start ("deploy at 02:00") becomes
// notBefore, the optional end notAfter (epoch ms). A start already past is dropped (the request
// starts once approved); an end already past, or not after the start, is refused before the API
// would refuse it.

/** A picked date and time (the date picker's value). */
export interface Picked {
  valueOf(): number;
}

export interface WindowFields {
  start?: Picked | null | undefined;
  end?: Picked | null | undefined;
}

export type RequestWindow =
  | { ok: true; notBefore?: number; notAfter?: number }
  | { ok: false; problem: 'endPast' | 'endBeforeStart' };

export function requestWindow(fields: WindowFields, now: number): RequestWindow {
  const start = fields.start ? fields.start.valueOf() : undefined;
  const end = fields.end ? fields.end.valueOf() : undefined;
  if (end !== undefined && end <= now) return { ok: false, problem: 'endPast' };
  if (start !== undefined && end !== undefined && end <= start)
    return { ok: false, problem: 'endBeforeStart' };
  const window: { ok: true; notBefore?: number; notAfter?: number } = { ok: true };
  if (start !== undefined && start > now) window.notBefore = start;
  if (end !== undefined) window.notAfter = end;
  return window;
}
