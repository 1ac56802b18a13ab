// `nasprobe study show|export`: read a study file — its settings, progress, best trial or Pareto
// front — and write its trials as JSON lines or CSV (one trial per line with arch_str and objectives).
import { existsSync, renameSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { type BenchmarkTable, readBenchmarkTable } from "../benchmarks/table.js";
import { bestSoFarPlot, paretoFront, paretoPlot } from "../reports/plots.js";
import { writePlot } from "../reports/png.js";
import { type ObjectiveTerm, parseObjectives } from "../search/objective.js";
import { nonDominatedFronts } from "../search/pareto.js";
import { bestTrialIndex } from "../search/study.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { openSqliteStudy } from "../store/sqlite.js";
import type { StudyStore, Trial } from "../store/study.js";
import { spaceTable } from "./options.js";

/** Column name of each objective in exports: the table column or the metric value (NNGP's `score`). */
export const objectiveKey = (spec: string): string => parseObjectives(spec)[0]!.valueName;

async function openExisting(path: string): Promise<{ store: StudyStore; specs: readonly string[] }> {
  const store = openSqliteStudy(path, { mustExist: true });
  const info = await store.info();
  if (!info) {
    await store.close();
    throw new Error(`${path} holds no nasprobe study`);
  }
  return { store, specs: info.config.objectives };
}

export function registerStudy(program: Command): void {
  const study = program.command("study").description("inspect and export study files");
  study
    .command("show")
    .description("settings, progress and the best trials of a study")
    .argument("<file>", "study file")
    .action(async (file: string) => {
      const { store } = await openExisting(file);
      try {
        const info = (await store.info())!;
        const tablePath = info.config.evaluation.table;
        // The study's space says how its table is keyed and what to report; a space file that has
        // moved since only costs the table columns.
        const space = await loadSpace(info.config.space).catch(() => undefined);
        const table =
          typeof tablePath === "string" && existsSync(tablePath)
            ? space
              ? spaceTable(space, tablePath)
              : readBenchmarkTable(tablePath)
            : undefined;
        await printStudySummary(store, table, space);
      } finally {
        await store.close();
      }
    });
  study
    .command("export")
    .description("one trial per line: arch_str, status, objective values, cost, timestamps")
    .argument("<file>", "study file")
    .option("--format <fmt>", "jsonl | csv", "jsonl")
    .option("--out <file>", "write here (atomically) instead of standard output")
    .action(async (file: string, o: { format: string; out?: string }) => {
      if (o.format !== "jsonl" && o.format !== "csv")
        throw new Error(`--format must be jsonl or csv, got "${o.format}"`);
      const { store, specs } = await openExisting(file);
      let text: string;
      try {
        text = formatTrials(await store.trials(), specs, o.format);
      } finally {
        await store.close();
      }
      if (!o.out) process.stdout.write(text);
      else {
        const tmp = `${o.out}.tmp-${process.pid}`;
        writeFileSync(tmp, text);
        renameSync(tmp, o.out);
      }
    });
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function formatTrials(
  trials: readonly Trial[],
  specs: readonly string[],
  format: "jsonl" | "csv",
): string {
  const keys = specs.map(objectiveKey);
  const rows = trials.map((t) => ({
    number: t.number,
    arch_str: t.archStr,
    status: t.status,
    ...Object.fromEntries(keys.map((k, i) => [k, t.objectives[i] ?? null])),
    cost: t.cost,
    seconds: t.seconds,
    seed: t.seed,
    version: t.version,
    started_at: t.startedAt,
    finished_at: t.finishedAt ?? null,
    reason: t.reason ?? null,
    values: t.values,
  }));
  if (format === "jsonl") return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  const columns = [
    "number",
    "arch_str",
    "status",
    ...keys,
    "cost",
    "seconds",
    "seed",
    "version",
    "started_at",
    "finished_at",
    "reason",
  ];
  const lines = rows.map((r) => columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(","));
  return `${[columns.join(","), ...lines].join("\n")}\n`;
}

export async function printStudySummary(
  store: StudyStore,
  table?: BenchmarkTable,
  space?: SearchSpace<unknown>,
): Promise<void> {
  const info = (await store.info())!;
  const trials = await store.trials();
  const terms = info.config.objectives.map((s) => parseObjectives(s)[0]!);
  const count = (s: string) => trials.filter((t) => t.status === s).length;
  const cost = trials.reduce((s, t) => s + t.cost, 0);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `study ${store.location}: ${info.config.algo} on ${info.config.space}, objective ${info.config.objectives.join(", ")}, seed ${info.config.seed}`,
  );
  out(
    `  trials: ${trials.length} (${count("complete")} complete, ${count("failed")} failed, ${count("running")} running); cost ${cost} epochs; created ${info.createdAt} by nasprobe ${info.version}`,
  );
  const tableRow = (archStr: string) => {
    const row = table?.indexOf(archStr);
    if (!table || row === undefined) return "";
    const cols = (space?.benchmark?.reportColumns ?? []).filter((c) => table.has(c));
    return cols.map((c) => `${c} ${table.column(c)[row]}`).join(", ");
  };
  if (terms.length === 1) {
    const best = bestTrialIndex(trials, terms[0]!.higherIsBetter);
    if (best < 0) {
      out("  no complete trial yet");
      return;
    }
    const t = trials[best]!;
    out(`  best: trial ${t.number}, ${terms[0]!.valueName} ${t.objectives[0]}  ${t.archStr}`);
    const extra = tableRow(t.archStr);
    if (extra) out(`    benchmark: ${extra}`);
    return;
  }
  const complete = trials.filter((t) => t.status === "complete");
  const fitness = complete.map((t) =>
    terms.map((term, i) => (term.higherIsBetter ? 1 : -1) * t.objectives[i]!),
  );
  const front = nonDominatedFronts(fitness)[0] ?? [];
  const unique = new Map(front.map((i) => [complete[i]!.archStr, complete[i]!]));
  out(
    `  Pareto front (${unique.size} architectures; ${terms.map((t) => `${t.valueName} ${t.higherIsBetter ? "↑" : "↓"}`).join(", ")}):`,
  );
  for (const t of [...unique.values()].sort((a, b) => a.objectives[1]! - b.objectives[1]!))
    out(`    ${t.objectives.map((v) => v!.toPrecision(5)).join("  ")}  ${t.archStr}`);
}

/** Best-so-far curve of a single-objective study, in the objective's own sign. */
export function bestSoFar(trials: readonly Trial[], higherIsBetter: boolean): number[] {
  const curve: number[] = [];
  let best = Number.NaN;
  for (const t of trials) {
    const v = t.objectives[0];
    if (
      t.status === "complete" &&
      v !== null &&
      v !== undefined &&
      (Number.isNaN(best) || (higherIsBetter ? v > best : v < best))
    )
      best = v;
    curve.push(best);
  }
  return curve;
}

/** `plot best-so-far` and `plot pareto`, reading study files. */
export function registerStudyPlots(plot: Command): void {
  plot
    .command("best-so-far")
    .description(
      "best objective value vs queries: median and quartile band per algorithm, across studies (seeds)",
    )
    .argument("<files...>", "study files; grouped by algorithm")
    .requiredOption("--out <file>", "output file, .svg or .png")
    .option("--title <text>", "plot title")
    .action(async (files: string[], o: { out: string; title?: string }) => {
      const groups = new Map<string, number[][]>();
      let label = "";
      for (const file of files) {
        const { store, specs } = await openExisting(file);
        try {
          const info = (await store.info())!;
          const term = parseObjectives(specs[0]!)[0]!;
          if (specs.length !== 1) throw new Error(`${file} is multi-objective; use plot pareto`);
          if (label && label !== term.valueName)
            throw new Error(`${file} optimises ${term.valueName}, not ${label}`);
          label = term.valueName;
          const runs = groups.get(info.config.algo) ?? [];
          runs.push(bestSoFar(await store.trials(), term.higherIsBetter));
          groups.set(info.config.algo, runs);
        } finally {
          await store.close();
        }
      }
      const svg = bestSoFarPlot({
        title: o.title ?? `best ${label} so far`,
        xLabel: "queries",
        yLabel: label,
        series: [...groups].map(([algo, runs]) => ({ label: algo, runs })),
      });
      writePlot(o.out, svg);
      process.stdout.write(`${o.out}: ${files.length} studies, ${groups.size} algorithms\n`);
    });
  plot
    .command("pareto")
    .description("all trials of a two-objective study with its Pareto front")
    .argument("<file>", "study file")
    .requiredOption("--out <file>", "output file, .svg or .png")
    .action(async (file: string, o: { out: string }) => {
      const { store, specs } = await openExisting(file);
      let trials: Trial[];
      try {
        trials = await store.trials();
      } finally {
        await store.close();
      }
      if (specs.length !== 2) throw new Error(`${file} has ${specs.length} objectives; plot pareto needs 2`);
      const [yTerm, xTerm] = specs.map((s) => parseObjectives(s)[0]!) as [ObjectiveTerm, ObjectiveTerm];
      const points = trials
        .filter((t) => t.status === "complete")
        .map((t) => ({ x: t.objectives[1]!, y: t.objectives[0]! }));
      const dir = { xLowerIsBetter: !xTerm.higherIsBetter, yHigherIsBetter: yTerm.higherIsBetter };
      const front = paretoFront(points, dir);
      writePlot(
        o.out,
        paretoPlot({
          title: `Pareto front: ${yTerm.valueName} vs ${xTerm.valueName}`,
          xLabel: xTerm.valueName,
          yLabel: yTerm.valueName,
          points,
          front,
          ...dir,
        }),
      );
      process.stdout.write(`${o.out}: ${points.length} trials, ${front.length} on the front\n`);
    });
}
