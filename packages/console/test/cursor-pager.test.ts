// The apps list's keyset pager: forward by the API's nextCursor, back through the cursors kept.
import { describe, expect, it } from 'vitest';
import { cursorPager, FIRST_PAGE, pageNumber } from '../src/features/apps/cursor-pager.ts';

describe('cursorPager', () => {
  it('goes forward and back through the same cursors', () => {
    let state = cursorPager(FIRST_PAGE, { type: 'next', nextCursor: 'c2' });
    state = cursorPager(state, { type: 'next', nextCursor: 'c3' });
    expect(state.cursor).toBe('c3');
    expect(pageNumber(state)).toBe(3);
    state = cursorPager(state, { type: 'previous' });
    expect(state.cursor).toBe('c2');
    state = cursorPager(state, { type: 'previous' });
    expect(state.cursor).toBeUndefined();
    expect(pageNumber(state)).toBe(1);
  });

  it('stays on the first page when asked for the previous one', () => {
    expect(cursorPager(FIRST_PAGE, { type: 'previous' })).toBe(FIRST_PAGE);
  });

  it('returns to the first page on reset', () => {
    const state = cursorPager(cursorPager(FIRST_PAGE, { type: 'next', nextCursor: 'a' }), {
      type: 'next',
      nextCursor: 'b',
    });
    expect(cursorPager(state, { type: 'reset' })).toEqual(FIRST_PAGE);
  });
});
