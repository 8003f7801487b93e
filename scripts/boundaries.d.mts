// Types of boundaries.mjs, for the test that imports it.
/** The import specifiers of a source text. */
export function importsOf(text: string): string[];
/** Every import that breaks a rule, as `file: imports specifier (why) [rule]`. */
export function checkBoundaries(srcRoot: string): string[];
