/// <reference lib="dom" />
// The scoring page: an architecture picked from a space, or an .onnx model dropped on the page, scored
// in this tab by the metric code `nasprobe score` runs, on ONNX Runtime Web (WebAssembly). The
// images are the ones Node scores with by default (data.bin, written by the build from the default
// dataset), so a value here equals Node's for the same seed, to float32 tolerance.

import type { ImageSet } from "../../data/imageSet.js";
import { decodeImageSet, type ImageSetHeader } from "../../data/imageSetBytes.js";
import type { Graph } from "../../ir/graph.js";
import { BROWSER_METRICS } from "../../metrics/browser.js";
import { Memo, type MetricInput } from "../../metrics/metric.js";
import { type ArchScore, type ResolvedMetric, resolveMetrics, scoreGraph } from "../../metrics/scoreGraph.js";
import { ort } from "../../onnx/ort.js";
import { BROWSER_SPACES } from "../../spaces/browser.js";
import { Rng } from "../../util/random.js";
import { modelForImages } from "./model.js";

const here = new URL("./", import.meta.url).href;
// The .wasm sits beside this bundle (its JS glue is inside the bundle). Threads need cross-origin
// isolation (SharedArrayBuffer), which the dashboard's headers give; a plain static host runs one.
ort.env.wasm.wasmPaths = { wasm: new URL("ort-wasm-simd-threaded.wasm", here).href };
ort.env.wasm.numThreads = globalThis.crossOriginIsolated
  ? Math.min(4, navigator.hardwareConcurrency || 1)
  : 1;

// ORT's threaded build starts its WASM threads as workers on this same bundle: only a page has a UI.
if (typeof document !== "undefined") startPage();

function startPage(): void {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const status = $<HTMLParagraphElement>("status");
  const spaceSelect = $<HTMLSelectElement>("space");
  const archInput = $<HTMLInputElement>("arch");
  const seedInput = $<HTMLInputElement>("seed");
  const metricsBox = $<HTMLFieldSetElement>("metrics");
  const resultsBody = $<HTMLTableElement>("results").tBodies[0]!;
  const scoreButton = $<HTMLButtonElement>("score");

  function say(text: string, error = false): void {
    status.textContent = text;
    status.classList.toggle("error", error);
  }

  for (const name of BROWSER_METRICS) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.checked = true;
    label.append(box, ` ${name}`);
    metricsBox.append(label);
  }
  for (const name of Object.keys(BROWSER_SPACES)) spaceSelect.add(new Option(name, name));

  let sampleCount = 0;
  function sampleArch(): void {
    const space = BROWSER_SPACES[spaceSelect.value]!;
    archInput.value = space.format(space.sample(new Rng(sampleCount++, "page-sample")));
  }
  spaceSelect.addEventListener("change", sampleArch);
  $<HTMLButtonElement>("sample").addEventListener("click", sampleArch);
  sampleArch();

  let data: { set: ImageSet; header: ImageSetHeader } | undefined;
  const dataReady = fetch(new URL("data.bin", here))
    .then(async (r) => {
      if (!r.ok) throw new Error(`data.bin: HTTP ${r.status}`);
      data = decodeImageSet(new Uint8Array(await r.arrayBuffer()));
      const p = data.header.provenance;
      $("data-note").textContent =
        `Images: the first ${data.set.count} of ${String(p.data)} (data seed ${String(p.data_seed)}), ` +
        `${data.set.channels}×${data.set.height}×${data.set.width}, normalised as nasprobe score does.`;
      say("Ready.");
    })
    .catch((e: unknown) => say(`cannot load the page's images: ${message(e)}`, true));

  function message(e: unknown): string {
    return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  }

  function chosenMetrics(): string[] {
    return [...metricsBox.querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);
  }

  function seed(): number {
    const s = Number(seedInput.value);
    if (!Number.isSafeInteger(s) || s < 0)
      throw new Error(`seed ${seedInput.value}: must be a non-negative integer`);
    return s;
  }

  function show(score: ArchScore, resolved: readonly ResolvedMetric[]): void {
    // Reasons and seconds are kept per metric; a value's metric is the one that declares it.
    const metricOf = new Map(resolved.flatMap((r) => r.metric.values.map((v) => [v.name, r.metric.name])));
    resultsBody.replaceChildren();
    for (const [name, value] of Object.entries(score.values)) {
      const metric = metricOf.get(name) ?? name;
      const row = resultsBody.insertRow();
      row.dataset.value = name;
      row.insertCell().textContent = name;
      const cell = row.insertCell();
      cell.className = "num";
      // Full precision in an attribute for comparisons; a readable figure for people.
      cell.dataset.number = value === null ? "null" : String(value);
      cell.textContent = value === null ? `— ${score.reasons[metric] ?? ""}` : format(value);
      const secs = row.insertCell();
      secs.className = "num";
      const s = score.seconds[metric];
      secs.textContent = s === undefined ? "" : s.toFixed(3);
    }
  }

  function format(v: number): string {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en");
    return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(5) : v.toPrecision(7);
  }

  let busy = false;
  /** What to score: the graph and the images as it takes them, with a line saying what it is. */
  interface Subject {
    readonly graph: Graph;
    readonly data: ImageSet;
    readonly describe: string;
  }

  async function score(subjectOf: (set: ImageSet) => Subject): Promise<void> {
    if (busy) return;
    busy = true;
    scoreButton.disabled = true;
    try {
      await dataReady;
      if (!data) return;
      const names = chosenMetrics();
      if (names.length === 0) throw new Error("choose at least one metric");
      const resolved = resolveMetrics(names);
      const subject = subjectOf(data.set);
      $("model").textContent = subject.describe;
      say(`Scoring ${names.join(", ")}…`);
      const input: MetricInput = {
        graph: subject.graph,
        data: subject.data,
        seed: seed(),
        runtime: {},
        memo: new Memo(),
      };
      const t0 = performance.now();
      const result = await scoreGraph(input, resolved);
      show(result, resolved);
      document.body.dataset.scored = String(Date.now());
      say(
        `Scored in ${((performance.now() - t0) / 1000).toFixed(2)} s on ${ort.env.wasm.numThreads} thread(s).`,
      );
    } catch (e) {
      say(message(e), true);
    } finally {
      busy = false;
      scoreButton.disabled = false;
    }
  }

  scoreButton.addEventListener("click", () => {
    const space = BROWSER_SPACES[spaceSelect.value]!;
    const text = archInput.value.trim();
    void score((set) => {
      const arch = space.parse(text);
      const graph = space.build(arch, {
        inputShape: [set.channels, set.height, set.width],
        numClasses: set.numClasses,
      });
      return { graph, data: set, describe: `${spaceSelect.value}: ${space.format(arch)}` };
    });
  });

  async function scoreFile(file: File): Promise<void> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    void score((set) => {
      const { model, data: fitted, fitted: note } = modelForImages(bytes, set);
      const ops = Object.entries(model.report.onnxOps)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
      const size = `${bytes.length.toLocaleString("en")} bytes`;
      return {
        graph: model.graph,
        data: fitted,
        describe: `${file.name} (${size}; ${ops}; features: ${model.report.features.rule}${note ? `; ${note}` : ""})`,
      };
    });
  }

  const fileInput = $<HTMLInputElement>("file");
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void scoreFile(file);
  });
  const drop = $<HTMLDivElement>("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (file) void scoreFile(file);
  });
}
