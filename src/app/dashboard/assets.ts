// The page's files, held in memory under fixed names: `dist/web/dashboard/` as scripts/build-web.mjs
// writes it, or, running from source (tests, tsx), src/web/dashboard bundled here with esbuild — a
// development dependency, loaded only then, so the installed product never needs it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  readonly type: string;
  readonly body: string;
}

/** URL path → file: the only paths the server answers outside /api. */
const FILES = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/main.js": { file: "main.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
} as const;

/** src/web/<page> beside src/app, or dist/web/<page> beside dist/app. */
const webDir = (page: string) => join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", page);

const bundles = new Map<string, Promise<Map<string, Asset>>>();

/** The page's assets by URL path; the bundle is built once per process. */
export function pageAssets(page = "dashboard"): Promise<Map<string, Asset>> {
  let assets = bundles.get(page);
  if (!assets) {
    assets = loadAssets(page);
    bundles.set(page, assets);
    assets.catch(() => bundles.delete(page));
  }
  return assets;
}

async function loadAssets(page: string): Promise<Map<string, Asset>> {
  const dir = webDir(page);
  // build-web copies index.html next to its bundle; tsc alone emits an unbundled main.js, not that.
  const built = existsSync(join(dir, "index.html")) && !existsSync(join(dir, "main.ts"));
  let script: string;
  if (built) script = readFileSync(join(dir, "main.js"), "utf8");
  else {
    let esbuild: typeof import("esbuild");
    try {
      esbuild = await import("esbuild");
    } catch {
      throw new Error(`the dashboard page is not built (run npm run build:web; ${dir} has no bundle)`);
    }
    const result = await esbuild.build({
      entryPoints: [join(dir, "main.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      write: false,
      logLevel: "silent",
    });
    script = result.outputFiles[0]!.text;
  }
  const assets = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(FILES))
    assets.set(path, { type, body: file === "main.js" ? script : readFileSync(join(dir, file), "utf8") });
  return assets;
}
