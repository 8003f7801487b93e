// Characters refused in what users give git (ref names, URLs, tokens, paths): one definition.

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_CHAR = /[\x00-\x1f\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_CHARS_GLOBAL = /[\x00-\x1f\x7f]/g;
