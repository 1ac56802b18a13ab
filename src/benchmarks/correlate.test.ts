import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sharedDataPath } from "../util/sharedData.js";
import { correlationReport, formatCorrelationReport } from "./correlate.js";
import { readBenchmarkTable } from "./table.js";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

describe("correlationReport", () => {
  const score = [5, 4, 3, 2, 1, Number.NaN];
  const truth = [90, 94, 92, 91, 89, 93];

  it("drops non-finite pairs and reports how many", () => {
    const report = correlationReport(score, truth);
    assert.equal(report.n, 5);
    assert.equal(report.dropped, 1);
    assert.equal(report.discovered.optimum, 94);
  });
  it("negates a lower-is-better score so that positive means useful", () => {
    const up = correlationReport(score, truth);
    const down = correlationReport(
      score.map((s) => -s),
      truth,
      { higherIsBetter: false },
    );
    assert.deepEqual(down, { ...up, higherIsBetter: false });
    assert.ok(up.spearman > 0);
  });
  it("formats every statistic, n/a for undefined ones", () => {
    const text = formatCorrelationReport(correlationReport(score, truth, { thresholds: [95] }));
    assert.match(text, /pairs {15}5 \(1 dropped: non-finite\)/);
    assert.match(text, /Kendall tau-b/);
    assert.match(text, /AUC acc>95 {10}n\/a {2}\(0 above\)/);
  });
});

// Reference values: SciPy 1.10.1 / scikit-learn 1.2.1 on the same CSV, e.g.
//   python3 -c 'import csv, numpy as np; from scipy.stats import spearmanr, kendalltau
//     r = list(csv.DictReader(open("nb201.csv"))); f = lambda c: np.array([float(x[c]) for x in r])
//     print(spearmanr(f("params_c10_M"), f("c10_test_200"))[0], kendalltau(...)[0])'
//   roc_auc_score(f("c10_test_200") > p, f("params_c10_M")) for the PQETP values.
const nb201 = sharedDataPath("nb201/nb201.csv");

describe("NB201 ground truth (DESIGN.md §4)", {
  skip: nb201 === undefined && "../shared/data is absent",
}, () => {
  const table = readBenchmarkTable(nb201!, {
    required: ["params_c10_M", "c10_test_200", "c10valid_valid_200", "c10_test_12"],
  });
  const truth = table.column("c10_test_200");

  it("#params: rho .753, tau .577, PQETP as sklearn", () => {
    const report = correlationReport(table.column("params_c10_M"), truth);
    assert.equal(report.n, 15_625);
    assert.equal(report.dropped, 0);
    close(report.spearman, 0.7526327224528356);
    close(report.kendall, 0.5774446191280509);
    close(report.pearson, 0.3185988575632442);
    const sklearnAuc = [
      0.8411538551520303, 0.8505336614266338, 0.8574152461929505, 0.8926114180239273, 0.9024993063280075,
    ];
    for (const [i, r] of report.pqetp.entries()) close(r.auc, sklearnAuc[i]!);
    assert.deepEqual(
      report.pqetp.map((r) => r.positives),
      [13243, 12133, 10150, 7429, 1435],
    );
    assert.deepEqual(
      report.topK.map((t) => t.k),
      [1563, 781, 156],
    );
    assert.equal(report.discovered.optimum, 94.373333);
  });
  it("CIFAR-10 valid-200 (noise ceiling): rho .984; 12-epoch test: rho .871", () => {
    const valid = correlationReport(table.column("c10valid_valid_200"), truth);
    close(valid.spearman, 0.984112465732695);
    close(valid.kendall, 0.8939716467807565);
    close(valid.pearson, 0.9948803689178223);
    const short = correlationReport(table.column("c10_test_12"), truth);
    close(short.spearman, 0.870513653123434);
    close(short.kendall, 0.7000564126013886);
  });
});
