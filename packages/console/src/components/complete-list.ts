// A type check for the console's plain copies of the API's lists (an SDK constant would load
// TypeBox into the pages): `Complete<T, typeof list>` is the list's type when it holds every member
// of the union `T`, and `never` (a type error where it is assigned) when it misses one.
export type Complete<T, List extends readonly T[]> = [Exclude<T, List[number]>] extends [never]
  ? List
  : never;
