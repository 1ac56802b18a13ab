// `nasprobe dashboard`: an HTTP server (hono on node:http) over one storage, read-only. It serves
// the pages' files (the dashboard at /, the scoring page at /score/) from a fixed in-memory map — nothing else outside /api, so no path can
// reach the file system — and the JSON API of api.ts.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type ApiOptions, dashboardApi } from "./api.js";
import { allPageAssets } from "./assets.js";
import { StudySource } from "./source.js";

export interface DashboardOptions extends ApiOptions {
  /** A SQLite study file or a postgresql:// URL. */
  readonly storage: string;
  readonly port?: number;
  /** 127.0.0.1 unless asked: the dashboard has no authentication. */
  readonly host?: string;
}

export interface Dashboard {
  readonly url: string;
  readonly location: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;

/** Whether `host` is reachable only from this machine. */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

export async function dashboardApp(source: StudySource, options: ApiOptions = {}): Promise<Hono> {
  const assets = await allPageAssets();
  const app = new Hono();
  app.route("/api", dashboardApi(source, options));
  app.all("/api/*", (c) =>
    c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path.slice(0, 200)}` }, 404),
  );
  app.get("*", (c) => {
    const asset = assets.get(c.req.path);
    if (!asset) return c.text("not found\n", 404);
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      ...asset.headers,
    });
  });
  app.notFound((c) => c.text("not found\n", 404));
  app.onError((error, c) => c.json({ error: `internal error: ${error.message.split("\n")[0]}` }, 500));
  return app;
}

/**
 * Opens the storage read-only (a missing, foreign or empty store is refused before listening) and
 * starts the server; the URL says where it listens.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const source = await StudySource.open(options.storage);
  try {
    const app = await dashboardApp(source, options);
    const host = options.host ?? DEFAULT_HOST;
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, () =>
        resolve(s),
      );
      s.once("error", reject);
    });
    const { port } = server.address() as AddressInfo;
    const shown = host.includes(":") ? `[${host}]` : host;
    return {
      url: `http://${shown}:${port}/`,
      location: source.location,
      close: async () => {
        // Event streams hold their connections open; end them so close() returns.
        if ("closeAllConnections" in server) server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await source.close();
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
