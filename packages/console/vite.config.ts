// Builds the console into dist/: index.html and assets/ with content-hashed names, which berthd
// serves (index.html with no-cache, assets as immutable). Each asset also gets `.gz` and `.br`
// siblings, compressed once here at the highest levels, so berthd never compresses per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|css|svg|json|html|map|txt)$/;

function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'berth-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const file = path.join(dir, name);
          if (statSync(file).isDirectory()) walk(file);
          else if (COMPRESSIBLE.test(name) && !name.endsWith('.map')) {
            const data = readFileSync(file);
            writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
            writeFileSync(
              `${file}.br`,
              brotliCompressSync(data, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 11,
                  [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
                },
              }),
            );
          }
        }
      };
      walk(outDir);
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev -w @berth/console`: the API of a berthd on BERTH_DEV_API (default :8080).
    proxy: { '/api': process.env['BERTH_DEV_API'] ?? 'http://127.0.0.1:8080' },
  },
});
