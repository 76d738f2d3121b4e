import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The gateway serves the build from the engage binary; `engage-console`'s build script sets
// ENGAGE_CONSOLE_OUT_DIR so the files land in its build folder rather than the source tree.
const outDir = process.env.ENGAGE_CONSOLE_OUT_DIR ?? "dist";
// `npm run dev` forwards the API to a running `engage dev`.
const gateway = process.env.ENGAGE_ENDPOINT ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    // Module preload polyfill would be an inline script; the CSP forbids those.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      "^/(engage|grpc)\\.": { target: gateway, changeOrigin: true },
    },
  },
});
