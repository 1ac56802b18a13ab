// Bundles every browser page src/web/<page>/main.ts (esbuild: platform browser, ESM) into
// dist/web/<page>/main.js beside a copy of the page's other files (index.html, style.css, anything
// that is not TypeScript; subfolders are not copied). Run after tsc (which
// leaves an unbundled main.js there; this replaces it). The dashboard server serves dist/web/<page>/
// when its index.html is there. Files a page needs beside its bundle (the scoring page's images and
// ONNX Runtime Web's WASM) come from the page table the server uses, in the tsc output
// (dist/app/dashboard/assets.js): each built page directory then works from any static file host.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const SOURCE = "src/web";
const OUT = "dist/web";
/** A page's files copied as they are: all but TypeScript sources and tests. */
const isStatic = (name) => !/\.(m?ts|d\.ts)$/.test(name);

const { PAGES } = await import(new URL("../dist/app/dashboard/assets.js", import.meta.url).href);

const pages = readdirSync(SOURCE, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(SOURCE, e.name, "main.ts")))
  .map((e) => e.name)
  .sort();
if (pages.length === 0) throw new Error(`no ${SOURCE}/<page>/main.ts to bundle`);

for (const page of pages) {
  const out = join(OUT, page);
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(SOURCE, page, "main.ts")],
    outfile: join(out, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  for (const e of readdirSync(join(SOURCE, page), { withFileTypes: true }))
    if (e.isFile() && isStatic(e.name)) copyFileSync(join(SOURCE, page, e.name), join(out, e.name));
  for (const [name, body] of Object.entries(PAGES[page]?.makeExtras?.() ?? {}))
    writeFileSync(join(out, name), body);
  const bytes = result.metafile.outputs[join(out, "main.js")]?.bytes ?? 0;
  console.log(`${out}/main.js: ${(bytes / 1024).toFixed(0)} KiB`);
}
