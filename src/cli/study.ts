// `nasprobe study show|export|migrate`: read a storage's studies — settings, progress, best trial
// or Pareto front — and write their trials as JSON lines or CSV. Reading never writes to the storage.
import type { Command } from "commander";
import { readStudies, type StudySummary, studyContext, summarizeStudy } from "../app/summary.js";
import { bestSoFarSpec, paretoFront, paretoSpec } from "../reports/charts.js";
import { checkPlotPath, writePlot } from "../reports/png.js";
import { renderSvg } from "../reports/render.js";
import { type ObjectiveTerm, parseObjectives } from "../search/objective.js";
import { openSqliteStorage } from "../store/sqlite.js";
import type { Trial } from "../store/study.js";
import { atomicWriteFile } from "../util/atomicWrite.js";

/** Column name of each objective in exports: the table column or the metric value (NNGP's `score`). */
export const objectiveKey = (spec: string): string => parseObjectives(spec)[0]!.valueName;

const studyOption = (c: Command) =>
  c.option(
    "--study <name>",
    "the study's name in the storage (default: every study; a file from search --study FILE holds `default`)",
  );

export function registerStudy(program: Command): void {
  const study = program.command("study").description("inspect, export and migrate study storages");
  studyOption(
    study
      .command("show")
      .description("settings, progress and the best trials of each study")
      .argument("<storage>", "a study file or a postgresql:// URL"),
  ).action(async (storage: string, o: { study?: string }) => {
    await readStudies(storage, o.study, async (studies) => {
      for (const s of studies) printStudySummary(await summarizeStudy(s, await studyContext(await s.info())));
    });
  });
  studyOption(
    study
      .command("export")
      .description("one trial per line: number, arch_str, state, objective values, cost, worker, timestamps")
      .argument("<storage>", "a study file or a postgresql:// URL")
      .option("--format <fmt>", "jsonl | csv", "jsonl")
      .option("--out <file>", "write here (atomically) instead of standard output"),
  ).action(async (storage: string, o: { format: string; out?: string; study?: string }) => {
    if (o.format !== "jsonl" && o.format !== "csv")
      throw new Error(`--format must be jsonl or csv, got "${o.format}"`);
    const format = o.format;
    const text = await readStudies(storage, o.study, async (studies) => {
      if (studies.length > 1 && format === "csv")
        throw new Error(`${storage} holds ${studies.length} studies; choose one with --study NAME for CSV`);
      const parts: string[] = [];
      for (const s of studies) {
        const info = await s.info();
        parts.push(
          formatTrials(
            await s.trials(),
            info.config.objectives,
            format,
            studies.length > 1 ? s.name : undefined,
          ),
        );
      }
      return parts.join("");
    });
    if (!o.out) process.stdout.write(text);
    else atomicWriteFile(o.out, text, { inputs: [storage] });
  });
  study
    .command("migrate")
    .description(
      "upgrade a study file written by an older nasprobe to the current schema (in place, in one transaction)",
    )
    .argument("<file>", "study file")
    .action(async (file: string) => {
      const storage = await openSqliteStorage(file, { mustExist: true });
      const names = (await storage.studies()).map((s) => s.name);
      await storage.close();
      process.stdout.write(`${file}: current schema; studies: ${names.join(", ") || "none"}\n`);
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
  study?: string,
): string {
  const keys = specs.map(objectiveKey);
  const rows = trials.map((t) => ({
    ...(study !== undefined ? { study } : {}),
    number: t.number,
    arch_str: t.archStr,
    state: t.state,
    ...Object.fromEntries(keys.map((k, i) => [k, t.objectives[i] ?? null])),
    cost: t.cost,
    seconds: t.seconds,
    seed: t.seed,
    version: t.version,
    started_at: t.startedAt ?? null,
    finished_at: t.finishedAt ?? null,
    reason: t.reason ?? null,
    worker: t.worker ?? null,
    finish_seq: t.finishSeq ?? null,
    retry_of: t.retryOf ?? null,
    retried_by: t.retriedBy ?? null,
    values: t.values,
  }));
  if (format === "jsonl") return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  const columns = [
    "number",
    "arch_str",
    "state",
    ...keys,
    "cost",
    "seconds",
    "seed",
    "version",
    "started_at",
    "finished_at",
    "reason",
    "worker",
    "finish_seq",
    "retry_of",
    "retried_by",
  ];
  const lines = rows.map((r) => columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(","));
  return `${[columns.join(","), ...lines].join("\n")}\n`;
}

export function printStudySummary(summary: StudySummary): void {
  const { info, terms, byState } = summary;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `study ${summary.label}: ${info.config.algo} on ${info.config.space}, objective ${info.config.objectives.join(", ")}, seed ${info.config.seed}`,
  );
  const states = (["complete", "failed", "pruned", "running", "waiting"] as const)
    .filter((k) => byState[k] > 0 || k === "complete" || k === "failed")
    .map((k) => `${byState[k]} ${k}`);
  const retried =
    summary.retried > 0 ? `, ${summary.retried} of them retried after their worker was lost` : "";
  out(
    `  trials: ${summary.trials} (${states.join(", ")}${retried}); cost ${summary.cost} epochs; created ${info.createdAt} by nasprobe ${info.version}`,
  );
  const benchmark = (b: Record<string, number>) =>
    Object.entries(b)
      .map(([c, v]) => `${c} ${v}`)
      .join(", ");
  if (terms.length === 1) {
    if (!summary.best) {
      out("  no complete trial yet");
      return;
    }
    const t = summary.best.trial;
    out(`  best: trial ${t.number}, ${terms[0]!.valueName} ${t.objectives[0]}  ${t.archStr}`);
    const extra = benchmark(summary.best.benchmark);
    if (extra) out(`    benchmark: ${extra}`);
    return;
  }
  const front = summary.front ?? [];
  out(
    `  Pareto front (${front.length} architectures; ${terms.map((t: ObjectiveTerm) => `${t.valueName} ${t.higherIsBetter ? "↑" : "↓"}`).join(", ")}):`,
  );
  for (const t of front) out(`    ${t.objectives.map((v) => v!.toPrecision(5)).join("  ")}  ${t.archStr}`);
}

/** Finished trials in the order they finished (with several workers, not the number order). */
export const inFinishOrder = (trials: readonly Trial[]): Trial[] =>
  trials.filter((t) => t.finishSeq !== undefined).sort((a, b) => a.finishSeq! - b.finishSeq!);

/** Best-so-far curve of a single-objective study, in the objective's own sign. */
export function bestSoFar(trials: readonly Trial[], higherIsBetter: boolean): number[] {
  const curve: number[] = [];
  let best = Number.NaN;
  for (const t of trials) {
    const v = t.objectives[0];
    if (
      t.state === "complete" &&
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
    .option("--study <name>", "only this study of each storage (default: all)")
    .action(async (files: string[], o: { out: string; title?: string; study?: string }) => {
      checkPlotPath(o.out, files);
      const groups = new Map<string, number[][]>();
      let label = "";
      let count = 0;
      for (const file of files)
        await readStudies(file, o.study, async (studies) => {
          for (const s of studies) {
            const info = await s.info();
            const specs = info.config.objectives;
            if (specs.length !== 1) throw new Error(`${s.label} is multi-objective; use plot pareto`);
            const term = parseObjectives(specs[0]!)[0]!;
            if (label && label !== term.valueName)
              throw new Error(`${s.label} optimises ${term.valueName}, not ${label}`);
            label = term.valueName;
            const runs = groups.get(info.config.algo) ?? [];
            runs.push(bestSoFar(inFinishOrder(await s.trials()), term.higherIsBetter));
            groups.set(info.config.algo, runs);
            count++;
          }
        });
      const svg = await renderSvg(
        bestSoFarSpec({
          title: o.title ?? `best ${label} so far`,
          xLabel: "queries",
          yLabel: label,
          series: [...groups].map(([algo, runs]) => ({ label: algo, runs })),
        }),
      );
      writePlot(o.out, svg, { inputs: files });
      process.stdout.write(`${o.out}: ${count} studies, ${groups.size} algorithms\n`);
    });
  plot
    .command("pareto")
    .description("all trials of a two-objective study with its Pareto front")
    .argument("<file>", "a study file or a postgresql:// URL")
    .requiredOption("--out <file>", "output file, .svg or .png")
    .option("--study <name>", "the study (needed when the storage holds several)")
    .action(async (file: string, o: { out: string; study?: string }) => {
      checkPlotPath(o.out, [file]);
      const { trials, specs } = await readStudies(file, o.study, async (studies) => {
        if (studies.length > 1)
          throw new Error(`${file} holds ${studies.length} studies; choose one with --study NAME`);
        const s = studies[0]!;
        return { trials: await s.trials(), specs: (await s.info()).config.objectives };
      });
      if (specs.length !== 2) throw new Error(`${file} has ${specs.length} objectives; plot pareto needs 2`);
      const [yTerm, xTerm] = specs.map((s) => parseObjectives(s)[0]!) as [ObjectiveTerm, ObjectiveTerm];
      const points = trials
        .filter((t) => t.state === "complete")
        .map((t) => ({ x: t.objectives[1]!, y: t.objectives[0]!, label: t.archStr }));
      const dir = { xLowerIsBetter: !xTerm.higherIsBetter, yHigherIsBetter: yTerm.higherIsBetter };
      const front = paretoFront(points, dir);
      const svg = await renderSvg(
        paretoSpec({
          title: `Pareto front: ${yTerm.valueName} vs ${xTerm.valueName}`,
          xLabel: xTerm.valueName,
          yLabel: yTerm.valueName,
          points,
          front,
          ...dir,
        }),
      );
      writePlot(o.out, svg, { inputs: [file] });
      process.stdout.write(`${o.out}: ${points.length} trials, ${front.length} on the front\n`);
    });
}
