// What a capability brings to the console: its routes (pages load lazily, each its own chunk) and
// its entries in the side menu. A new capability adds a folder under features/ and one line in
// features/index.ts; no other page changes.
import type { User } from '@berth/sdk';
import type { ComponentType, ReactNode } from 'react';
import type { RouteObject } from 'react-router';
import type { Locale } from '../i18n/locale.ts';

export type Role = User['role'];

export interface NavItem {
  /** Where the entry leads; it is highlighted on this path and below it. */
  path: string;
  label: Readonly<Record<Locale, string>>;
  icon: ReactNode;
  /** Who sees the entry (the API decides what they may do); everyone when absent. */
  roles?: readonly Role[];
  /** Place in the menu, low first. */
  order: number;
  section: 'main' | 'admin';
  /** A small live count beside the label (e.g. what waits for the user); it loads its own data. */
  badge?: ComponentType;
}

export interface Feature {
  id: string;
  /** Pages inside the console's frame, for logged-in users. Paths are absolute. */
  routes: RouteObject[];
  /** Pages outside the frame (the login page). */
  publicRoutes?: RouteObject[];
  nav?: NavItem[];
}

/** A route whose page module loads when it is first visited. */
export function lazyPage(path: string, load: () => Promise<{ default: React.ComponentType }>): RouteObject {
  return { path, lazy: async () => ({ Component: (await load()).default }) };
}
