// The pages' files, held in memory under fixed URL paths: `dist/web/<page>/` as scripts/build-web.mjs
// writes it, or, running from source (tests, tsx), src/web/<page> bundled here with esbuild — a
// development dependency, loaded only then, so the installed product never needs it. Nothing else
// is served outside /api, so no path reaches the file system.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCORE_PAGE_FILES, scorePageAssets } from "../scorePage.js";

export interface Asset {
  readonly type: string;
  /** Text, or bytes as an ArrayBuffer of their own (what hono's body() takes). */
  readonly body: string | ArrayBuffer;
  /** Extra response headers (cross-origin isolation for the scoring page's WASM threads). */
  readonly headers?: Readonly<Record<string, string>>;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  wasm: "application/wasm",
  bin: "application/octet-stream",
};

interface Page {
  /** Where it is served: "/" or "/<page>/". */
  readonly mount: string;
  /** Files beside the bundle, besides index.html, main.js and style.css. */
  readonly extraFiles: readonly string[];
  /** Makes those files when running from source (the web build writes them into dist). */
  readonly makeExtras?: () => Record<string, Uint8Array>;
  /**
   * SharedArrayBuffer, and so ORT-web's WASM threads, needs a cross-origin-isolated page; the page
   * loads nothing from other origins, so isolating it costs nothing.
   */
  readonly isolated: boolean;
}

export const PAGES: Readonly<Record<string, Page>> = {
  dashboard: { mount: "/", extraFiles: [], isolated: false },
  score: { mount: "/score/", extraFiles: SCORE_PAGE_FILES, makeExtras: scorePageAssets, isolated: true },
};

const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
} as const;

/** src/web/<page> beside src/app, or dist/web/<page> beside dist/app. */
const webDir = (page: string) => join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", page);

const loaded = new Map<string, Promise<Map<string, Asset>>>();

/** A page's assets by URL path; the bundle is built once per process. */
export function pageAssets(page = "dashboard"): Promise<Map<string, Asset>> {
  let assets = loaded.get(page);
  if (!assets) {
    assets = loadAssets(page);
    loaded.set(page, assets);
    assets.catch(() => loaded.delete(page));
  }
  return assets;
}

/** Every page's assets in one map (URL path → asset). */
export async function allPageAssets(): Promise<Map<string, Asset>> {
  const all = new Map<string, Asset>();
  for (const page of Object.keys(PAGES)) for (const [path, a] of await pageAssets(page)) all.set(path, a);
  return all;
}

async function loadAssets(name: string): Promise<Map<string, Asset>> {
  const page = PAGES[name];
  if (!page) throw new Error(`no page "${name}"`);
  const dir = webDir(name);
  // build-web copies index.html next to its bundle; tsc alone emits an unbundled main.js, not that.
  const built = existsSync(join(dir, "index.html")) && !existsSync(join(dir, "main.ts"));
  const files = new Map<string, string | Uint8Array>();
  if (built) {
    files.set("main.js", readFileSync(join(dir, "main.js"), "utf8"));
    for (const f of page.extraFiles) files.set(f, readFileSync(join(dir, f)));
  } else {
    files.set("main.js", await bundle(join(dir, "main.ts"), name));
    for (const [f, bytes] of Object.entries(page.makeExtras?.() ?? {})) files.set(f, bytes);
  }
  for (const f of ["index.html", "style.css"]) files.set(f, readFileSync(join(dir, f), "utf8"));
  const headers = page.isolated ? ISOLATION : undefined;
  const assets = new Map<string, Asset>();
  for (const [file, body] of files) {
    const path = file === "index.html" ? page.mount : `${page.mount}${file}`;
    const type = TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    const data = typeof body === "string" ? body : (body.slice().buffer as ArrayBuffer);
    assets.set(path, { type, body: data, ...(headers ? { headers } : {}) });
  }
  return assets;
}

async function bundle(entry: string, name: string): Promise<string> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    throw new Error(`the ${name} page is not built (run npm run build:web; ${dirname(entry)} has no bundle)`);
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
