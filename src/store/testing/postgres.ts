// PostgreSQL for test files: a fresh database per call on one server per test run.
//
// The server is NASPROBE_TEST_POSTGRES_URL when set (scripts/run-tests.mjs starts one and sets it);
// otherwise this process starts its own through scripts/postgres.mjs (once, stopped when the process
// exits), so `node --import tsx --test FILE` works alone too. Without a server, tests skip visibly:
//   withPostgres("store round trip", async (t, url) => { ... });
//   const url = await testPostgresUrl(t); if (url === undefined) return; // t.skip() was called
// NASPROBE_NO_POSTGRES=1 skips them without trying; run-tests.mjs passes its reason for having no
// server to the test processes in NASPROBE_TEST_POSTGRES_SKIP.
import { basename } from "node:path";
import { type TestContext, test } from "node:test";
import { createTestDatabase, type SkippedPostgres, startPostgres } from "../../../scripts/postgres.mjs";

/** A server url (any of its databases), or why there is none. */
export type TestPostgresServer = { url: string; skipped?: undefined } | SkippedPostgres;

let own: Promise<TestPostgresServer> | undefined;

/** The test server's url (any of its databases), or why there is none. Starts a server at most once. */
export function testPostgresServer(): Promise<TestPostgresServer> {
  const url = process.env.NASPROBE_TEST_POSTGRES_URL;
  if (url) return Promise.resolve({ url });
  const skip = process.env.NASPROBE_TEST_POSTGRES_SKIP;
  if (skip) return Promise.resolve({ skipped: skip });
  if (process.env.NASPROBE_NO_POSTGRES === "1") return Promise.resolve({ skipped: "NASPROBE_NO_POSTGRES=1" });
  // startPostgres stops the server when this process exits.
  own ??= startPostgres();
  return own;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/\.test\.[cm]?[jt]s$|\.[cm]?[jt]s$/, "")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");

let count = 0;

/** A database name unique to this process and call, readable in the server: t_FILE_TEST_PID_N. */
function databaseName(testName: string | undefined): string {
  const tail = `_${process.pid}_${++count}`;
  const head = ["t", slug(basename(process.argv[1] ?? "")), slug(testName ?? "")].filter(Boolean).join("_");
  return head.slice(0, 63 - tail.length).replace(/_+$/, "") + tail;
}

/**
 * The url of a fresh, empty database for the calling test, or undefined when no PostgreSQL server
 * can start; then `t` (when given) is marked skipped with "PostgreSQL not available: REASON".
 * The database lives as long as the server (run-tests stops its server when the tests end).
 */
export async function testPostgresUrl(t?: TestContext): Promise<string | undefined> {
  const server = await testPostgresServer();
  if (server.skipped !== undefined) {
    t?.skip(`PostgreSQL not available: ${server.skipped}`);
    return undefined;
  }
  return createTestDatabase(server.url, databaseName(t?.name));
}

/** node:test's `test` with a fresh database; skips visibly when no PostgreSQL server can start. */
export function withPostgres(
  name: string,
  fn: (t: TestContext, url: string) => void | Promise<void>,
): Promise<void> {
  return test(name, async (t) => {
    const url = await testPostgresUrl(t);
    if (url !== undefined) await fn(t, url);
  });
}
