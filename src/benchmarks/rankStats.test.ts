import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  discoveredPerformance,
  kendallTauB,
  pairwiseFinite,
  pearson,
  pqetp,
  rankData,
  rocAuc,
  spearman,
  topKCount,
  topKPrecision,
} from "./rankStats.js";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

// Small vectors with ties on both sides; reference values from SciPy 1.10.1 / scikit-learn 1.2.1.
const x = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7];
const y = [2, 1, 3, 3, 5, 4, 6, 6, 8, 7];
const a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
const b = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4];

/** O(n²) tau-b straight from the definition, to check the O(n log n) version. */
function naiveTauB(u: number[], v: number[]): number {
  let concordantMinusDiscordant = 0;
  let untiedU = 0;
  let untiedV = 0;
  for (let i = 0; i < u.length; i++) {
    for (let j = i + 1; j < u.length; j++) {
      const du = Math.sign(u[i]! - u[j]!);
      const dv = Math.sign(v[i]! - v[j]!);
      concordantMinusDiscordant += du * dv;
      if (du !== 0) untiedU++;
      if (dv !== 0) untiedV++;
    }
  }
  return concordantMinusDiscordant / Math.sqrt(untiedU * untiedV);
}

describe("rankData", () => {
  it("averages tied ranks like scipy", () => {
    // python3 -c 'from scipy.stats import rankdata; print(rankdata([3,1,4,1,5,9,2,6,5,3,5]).tolist())'
    assert.deepEqual([...rankData(a)], [4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
  });
  it("rejects NaN", () => {
    assert.throws(() => rankData([1, Number.NaN]), /NaN at index 1/);
  });
});

describe("correlations match SciPy on tied data", () => {
  it("spearman", () => {
    // python3 -c 'from scipy.stats import spearmanr; print(repr(spearmanr(x, y)[0]))'
    close(spearman(x, y), 0.93812095999547);
    close(spearman(a, b), 0.1384567651467695);
  });
  it("kendall tau-b", () => {
    // python3 -c 'from scipy.stats import kendalltau; print(repr(kendalltau(x, y)[0]))'
    close(kendallTauB(x, y), 0.8335696394016967);
    close(kendallTauB(a, b), 0.14757295747452434);
  });
  it("pearson", () => {
    // python3 -c 'from scipy.stats import pearsonr; print(repr(pearsonr(x, y)[0]))'
    close(pearson(x, y), 0.91305728641498);
    close(pearson(a, b), 0.09422924859889792);
  });
  it("are NaN for a constant vector or fewer than 2 pairs", () => {
    for (const f of [spearman, kendallTauB, pearson]) {
      assert.ok(Number.isNaN(f([1, 1, 1], [1, 2, 3])));
      assert.ok(Number.isNaN(f([1], [2])));
    }
  });
  it("reject vectors of different length", () => {
    assert.throws(() => spearman([1, 2], [1, 2, 3]), /differ in length: 2 vs 3/);
  });
});

describe("kendallTauB (Knight's algorithm)", () => {
  it("agrees with the O(n²) definition on random data with many ties", () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed, "kendall");
      const u = Array.from({ length: 500 }, () => rng.int(20));
      const v = u.map((ui) => (rng.uniform() < 0.7 ? ui + rng.int(8) : rng.int(30)));
      close(kendallTauB(u, v), naiveTauB(u, v));
    }
  });
  it("is ±1 for monotone data at n = 15,625", () => {
    const rng = new Rng(7, "kendall-large");
    const u = Float64Array.from({ length: 15_625 }, () => rng.normal());
    close(kendallTauB(u, u), 1);
    close(
      kendallTauB(
        u,
        u.map((t) => -t),
      ),
      -1,
    );
  });
});

describe("non-finite policy", () => {
  it("pairwiseFinite drops pairs with NaN or ±Infinity on either side", () => {
    const p = pairwiseFinite([1, Number.NaN, 3, 4, Number.POSITIVE_INFINITY], [1, 2, Number.NaN, 4, 5]);
    assert.deepEqual([...p.score], [1, 4]);
    assert.deepEqual([...p.truth], [1, 4]);
    assert.equal(p.dropped, 3);
  });
  it("statistics equal those of the finite pairs alone", () => {
    const xWithNaN = [...x, Number.NaN, 3];
    const yWithNaN = [...y, 5, Number.NEGATIVE_INFINITY];
    close(spearman(xWithNaN, yWithNaN), spearman(x, y));
    close(kendallTauB(xWithNaN, yWithNaN), kendallTauB(x, y));
    close(pearson(xWithNaN, yWithNaN), pearson(x, y));
  });
});

describe("topKPrecision", () => {
  const score = [5, 4, 3, 2, 1];
  const truth = [1, 5, 4, 3, 2];
  it("counts the top-k by score that are in the top-k by truth", () => {
    assert.equal(topKPrecision(score, truth, 2), 0.5); // {0,1} vs {1,2}
    assert.equal(topKPrecision(score, truth, 0.4), 0.5); // 40% of 5 = 2
    assert.equal(topKPrecision(score, truth, 5), 1);
  });
  it("breaks ties by lower index", () => {
    assert.equal(topKPrecision([1, 1, 1], [3, 2, 1], 1), 1);
  });
  it("resolves k from a fraction and rejects nonsense", () => {
    assert.equal(topKCount(0.1, 15_625), 1563);
    assert.equal(topKCount(0.001, 10), 1);
    assert.equal(topKCount(50, 10), 10);
    assert.throws(() => topKCount(0, 10), /integer k >= 1 or a fraction/);
    assert.throws(() => topKCount(1.5, 10), /integer k >= 1 or a fraction/);
  });
});

describe("rocAuc and pqetp", () => {
  it("matches sklearn with ties across classes", () => {
    // python3 -c 'from sklearn.metrics import roc_auc_score; print(roc_auc_score(
    //   [1,0,1,1,0,0,1,0,1,0], [0.9,0.4,0.4,0.8,0.1,0.4,0.7,0.2,0.9,0.3]))'  -> 0.96
    const labels = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0].map(Boolean);
    close(rocAuc(labels, [0.9, 0.4, 0.4, 0.8, 0.1, 0.4, 0.7, 0.2, 0.9, 0.3]), 0.96);
  });
  it("is NaN when a class is empty", () => {
    assert.ok(Number.isNaN(rocAuc([true, true], [1, 2])));
  });
  it("pqetp thresholds the truth and reports class sizes", () => {
    const truth = [80, 86, 88, 90, 92, 94];
    const score = [1, 2, 3, 5, 4, 6];
    const result = pqetp(score, truth, [85, 91, 95]);
    assert.deepEqual(
      result.map((r) => [r.threshold, r.positives, r.negatives]),
      [
        [85, 5, 1],
        [91, 2, 4],
        [95, 0, 6],
      ],
    );
    assert.equal(result[0]!.auc, 1);
    assert.equal(result[1]!.auc, 7 / 8); // 92 (score 4) is beaten by 90 (score 5)
    assert.ok(Number.isNaN(result[2]!.auc));
  });
});

describe("discoveredPerformance", () => {
  it("is the best truth among the top-N by score", () => {
    const score = [9, 8, 7, 1, 0];
    const truth = [90, 93, 91, 94, 92];
    assert.equal(discoveredPerformance(score, truth, 2), 93);
    assert.equal(discoveredPerformance(score, truth, 10), 94);
    assert.ok(Number.isNaN(discoveredPerformance([], [])));
  });
});
