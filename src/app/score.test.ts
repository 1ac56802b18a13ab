import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nb201 } from "../spaces/nb201.js";
import { chooseArchitectures, type ScoreRequest, scoreArchitectures } from "./score.js";

const A = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const B = "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";

const request = (overrides: ScoreRequest["overrides"]): ScoreRequest => ({
  spaceName: "nb201",
  space: nb201,
  metrics: ["naswot", "params"],
  select: { archs: [A, B, A] },
  seed: 4,
  data: "fashion-mnist",
  dataSeed: 0,
  overrides,
});

describe("scoreArchitectures", () => {
  it("scores each architecture once; options in another order are the same settings", async () => {
    const records: Record<string, unknown>[] = [];
    const sink = { records: () => records, append: (r: Record<string, unknown>) => void records.push(r) };
    const first = await scoreArchitectures(
      request({ naswot: { batchSize: 16, init: "kaiming_normal" } }),
      sink,
    );
    assert.equal(first.repeated, 1);
    assert.deepEqual(
      records.map((r) => r.arch_str),
      [A, B],
    );
    // The NB201 table counts A at 802,426 parameters on 3-channel CIFAR; the 1-channel stem has 288 fewer.
    assert.equal(records[0]!.params, 802426 - 2 * 9 * 16);
    const skipped: number[] = [];
    await scoreArchitectures(request({ naswot: { init: "kaiming_normal", batchSize: 16 } }), sink, {
      onGroup: (_, todo, skip) => skipped.push(todo, skip),
    });
    assert.deepEqual(skipped, [0, 2], "nothing is scored again");
    assert.equal(records.length, 2);
    await scoreArchitectures(request({ naswot: { batchSize: 8, init: "kaiming_normal" } }), sink);
    assert.equal(records.length, 4, "other settings are scored anew");
    assert.notEqual(records[2]!.naswot, records[0]!.naswot);
  });

  it("a sample is the same distinct architectures for the same seed", () => {
    const a = chooseArchitectures(nb201, { sample: 20 }, 3).archStrs;
    assert.deepEqual(chooseArchitectures(nb201, { sample: 20 }, 3).archStrs, a);
    assert.equal(new Set(a).size, 20);
    assert.notDeepEqual(chooseArchitectures(nb201, { sample: 20 }, 4).archStrs, a);
  });

  it("worker threads give the same records in the same order as this thread", async () => {
    const sweep = async (workers: number) => {
      const records: Record<string, unknown>[] = [];
      const sink = { records: () => records, append: (r: Record<string, unknown>) => void records.push(r) };
      const C = "|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|";
      await scoreArchitectures(
        {
          ...request({ naswot: { batchSize: 16 } }),
          metrics: ["naswot", "meco", "params"],
          select: { archs: [A, B, C] },
          spaceSource: "nb201",
          workers,
          runtime: { threads: 1 },
        },
        sink,
      );
      return records.map(({ seconds: _, ...r }) => r);
    };
    const here = await sweep(1);
    assert.equal(here.length, 3);
    assert.ok(here.every((r) => Number.isFinite(r.naswot) && Number.isFinite(r.meco)));
    assert.deepEqual(await sweep(2), here);
  });

  it("several workers need the space's name; a worker that cannot load it fails the sweep", async () => {
    const sink = { records: () => [], append: () => {} };
    await assert.rejects(
      scoreArchitectures({ ...request({}), select: { archs: [A, B] }, workers: 2 }, sink),
      /needs the space's name or file/,
    );
    await assert.rejects(
      scoreArchitectures(
        { ...request({}), select: { archs: [A, B] }, workers: 2, spaceSource: "no-such-space" },
        sink,
      ),
      /no-such-space/,
    );
  });
});
