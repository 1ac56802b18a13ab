import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createTestDatabase, dropDatabase, startPostgres } from "../../../scripts/postgres.mjs";
import { testPostgresServer, withPostgres } from "./postgres.js";

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// Set in the child process of the skip test below, where no server is wanted.
const SKIP_CHILD = process.env.NASPROBE_POSTGRES_SKIP_CHILD === "1";

withPostgres("a fresh database: SELECT 1 and a table round trip", async (_t, url) => {
  await withClient(url, async (c) => {
    assert.equal((await c.query("SELECT 1 AS one")).rows[0].one, 1);
    const tables = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    assert.equal(tables.rows[0].n, 0, "the database starts empty");
    await c.query("CREATE TABLE trial (number int PRIMARY KEY, arch text NOT NULL, score double precision)");
    await c.query("INSERT INTO trial VALUES ($1, $2, $3), ($4, $5, $6)", [0, "a|b", 0.5, 1, "ü|ß", null]);
    const rows = await c.query("SELECT number, arch, score FROM trial ORDER BY number");
    assert.deepEqual(rows.rows, [
      { number: 0, arch: "a|b", score: 0.5 },
      { number: 1, arch: "ü|ß", score: null },
    ]);
  });
});

withPostgres("databases from createTestDatabase are independent and start empty", async (_t, url) => {
  const [a, b] = [`indep_a_${process.pid}`, `indep_b_${process.pid}`];
  const urlA = await createTestDatabase(url, a);
  const urlB = await createTestDatabase(url, b);
  assert.notEqual(urlA, urlB);
  await withClient(urlA, (c) => c.query("CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (7)"));
  await withClient(urlB, async (c) => {
    assert.equal((await c.query("SELECT current_database() AS d")).rows[0].d, b);
    assert.equal((await c.query("SELECT to_regclass('only_in_a') AS t")).rows[0].t, null);
  });
  await withClient(urlA, async (c) => {
    assert.deepEqual((await c.query("SELECT x FROM only_in_a")).rows, [{ x: 7 }]);
  });
  // Creating a name again replaces the database with an empty one.
  assert.equal(await createTestDatabase(url, a), urlA);
  await withClient(urlA, async (c) => {
    assert.equal((await c.query("SELECT to_regclass('only_in_a') AS t")).rows[0].t, null);
  });
  await dropDatabase(url, a);
  await dropDatabase(url, b);
  await assert.rejects(
    withClient(urlA, async () => {}),
    /does not exist/,
  );
  await assert.rejects(createTestDatabase(url, "Bad-Name"), /database name/);
});

test("startPostgres: stop() stops the server and removes its directory", async (t) => {
  const shared = await testPostgresServer();
  if (shared.skipped !== undefined) return t.skip(`PostgreSQL not available: ${shared.skipped}`);
  const own = await startPostgres();
  assert.equal(own.skipped, undefined, own.skipped);
  if (own.skipped !== undefined) return;
  assert.match(own.url, /^postgresql:\/\/nasprobe@127\.0\.0\.1:\d+\/nasprobe$/);
  assert.ok(existsSync(own.dir));
  await withClient(own.url, async (c) => {
    assert.equal((await c.query("SELECT current_database() AS d")).rows[0].d, "nasprobe");
  });
  await own.stop();
  await own.stop();
  assert.ok(!existsSync(own.dir));
  await assert.rejects(
    withClient(own.url, async () => {}),
    /ECONNREFUSED/,
  );
});

test("without a server, PostgreSQL tests are reported as skipped with the reason", {
  skip: SKIP_CHILD,
}, () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NASPROBE_NO_POSTGRES: "1",
    NASPROBE_POSTGRES_SKIP_CHILD: "1",
  };
  // NODE_TEST_CONTEXT would make the child talk node:test's internal protocol to us.
  for (const k of ["NASPROBE_TEST_POSTGRES_URL", "NASPROBE_TEST_POSTGRES_SKIP", "NODE_TEST_CONTEXT"])
    delete env[k];
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", fileURLToPath(import.meta.url)],
    { encoding: "utf8", env },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const skips = r.stdout.match(/# SKIP PostgreSQL not available: NASPROBE_NO_POSTGRES=1/g) ?? [];
  assert.equal(skips.length, 3, r.stdout);
});
