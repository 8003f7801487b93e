// A keyset pager with "previous" as well as "next": the API's lists only go forward (each page
// names the cursor of the next), so the pager keeps the cursors of the pages it came through.
// A pure reducer, driven by AppsPage and unit-tested.

export interface CursorPager {
  /** Cursors of the pages before the shown one (the first page's is undefined). */
  readonly back: readonly (string | undefined)[];
  /** The shown page's cursor; undefined for the first page. */
  readonly cursor: string | undefined;
}

export type CursorPagerAction =
  | { type: 'next'; nextCursor: string }
  | { type: 'previous' }
  /** A new search or a change in the list: back to the first page. */
  | { type: 'reset' };

export const FIRST_PAGE: CursorPager = { back: [], cursor: undefined };

export function cursorPager(state: CursorPager, action: CursorPagerAction): CursorPager {
  switch (action.type) {
    case 'next':
      return { back: [...state.back, state.cursor], cursor: action.nextCursor };
    case 'previous': {
      if (state.back.length === 0) return state;
      return { back: state.back.slice(0, -1), cursor: state.back[state.back.length - 1] };
    }
    case 'reset':
      return state.back.length === 0 && state.cursor === undefined ? state : FIRST_PAGE;
  }
}

/** The shown page's number, from 1. */
export function pageNumber(state: CursorPager): number {
  return state.back.length + 1;
}
