// The console's routes: the features' public pages, then everything else inside the shell, which
// sends anonymous visitors to the login page (and back afterwards).
import { createBrowserRouter } from 'react-router';
import { FEATURES } from '../features/index.ts';
import { NotFound, RouteError } from './RouteError.tsx';

export function createConsoleRouter() {
  return createBrowserRouter([
    ...FEATURES.flatMap((f) => f.publicRoutes ?? []).map((r) => ({ ...r, errorElement: <RouteError /> })),
    {
      path: '/',
      // The frame loads with the first page behind the login: the login page does not carry it.
      lazy: async () => ({ Component: (await import('./Shell.tsx')).Shell }),
      errorElement: <RouteError />,
      children: [
        {
          errorElement: <RouteError />,
          children: [...FEATURES.flatMap((f) => f.routes), { path: '*', element: <NotFound /> }],
        },
      ],
    },
  ]);
}
