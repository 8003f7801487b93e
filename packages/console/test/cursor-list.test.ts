// How a later page joins a keyset-paged list (use-cursor-list.ts): appended in order, and for a
// list whose head moves while paging (deploy history), without the rows already shown.
import { describe, expect, it } from 'vitest';
import { appendPage } from '../src/components/use-cursor-list.ts';

describe('appendPage', () => {
  it('appends the page after the rows shown', () => {
    expect(appendPage([1, 2], [3, 4])).toEqual([1, 2, 3, 4]);
  });

  it('keeps repeats when the list has no key', () => {
    expect(appendPage(['a'], ['a', 'b'])).toEqual(['a', 'a', 'b']);
  });

  it('drops the rows of the page already shown when the list has a key', () => {
    const shown = [{ id: 'd3' }, { id: 'd2' }];
    const page = [{ id: 'd2' }, { id: 'd1' }];
    expect(appendPage(shown, page, (d) => d.id).map((d) => d.id)).toEqual(['d3', 'd2', 'd1']);
  });

  it('leaves the shown array as it was', () => {
    const shown = [1];
    appendPage(shown, [2]);
    expect(shown).toEqual([1]);
  });
});
