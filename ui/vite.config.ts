import { defineConfig } from "vite";

// Tauri serves ui/dist; the dev server only runs under `tauri dev`.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2021", outDir: "dist", emptyOutDir: true },
});
