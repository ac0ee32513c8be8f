// Vite builds the browser demo (index.html + src/) into demo/dist, which the service serves at `/`
// in development. `npm run demo:dev` serves it with hot reload instead, the API proxied to :4000.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works wherever it is mounted.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/graphql': { target: 'http://localhost:4000', ws: true },
      '/dev/token': 'http://localhost:4000',
    },
  },
});
