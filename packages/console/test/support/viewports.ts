// The two widths every page of the console is looked at: a desktop and a phone.
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export type ConsoleLocale = 'en' | 'zh-CN';
