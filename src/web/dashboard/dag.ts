/// <reference lib="dom" />
// A layered drawing of a network graph in SVG: each node's layer is its longest path from an input,
// layers run top to bottom, nodes within a layer left to right in id order. The whole network is
// drawn with its blocks (the first segment of node names: `stem`, `s0c0`, …) collapsed to one box
// each; a block drawn on its own shows its ops.

export interface DagNode {
  readonly id: number;
  readonly name: string;
  readonly op: string;
  readonly shape: readonly number[];
  readonly params: number;
}

export interface Dag {
  readonly nodes: readonly DagNode[];
  readonly edges: readonly (readonly [number, number])[];
}

export interface DrawnNode {
  readonly id: number;
  readonly label: string;
  readonly detail: string;
  readonly x: number;
  readonly y: number;
  readonly block?: string;
}

const NODE_W = 118;
const NODE_H = 34;
const GAP_X = 16;
const GAP_Y = 26;

const blockOf = (name: string) => name.split("/")[0] ?? name;

/** Layers by longest path; ids are assumed topologically ordered, as the IR builder emits them. */
export function layout(
  nodes: readonly { id: number; label: string; detail: string; block?: string }[],
  edges: readonly (readonly [number, number])[],
) {
  const layer = new Map<number, number>();
  const incoming = new Map<number, number[]>();
  for (const [from, to] of edges) incoming.set(to, [...(incoming.get(to) ?? []), from]);
  const ids = nodes.map((n) => n.id).sort((a, b) => a - b);
  for (const id of ids) {
    const inputs = (incoming.get(id) ?? []).filter((i) => layer.has(i));
    layer.set(id, inputs.length === 0 ? 0 : Math.max(...inputs.map((i) => layer.get(i)!)) + 1);
  }
  const rows = new Map<number, number[]>();
  for (const id of ids) rows.set(layer.get(id)!, [...(rows.get(layer.get(id)!) ?? []), id]);
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const position = new Map<number, { x: number; y: number }>();
  for (const [l, row] of rows) {
    const rowWidth = row.length * (NODE_W + GAP_X) - GAP_X;
    row.forEach((id, i) => {
      position.set(id, { x: (width - rowWidth) / 2 + i * (NODE_W + GAP_X), y: GAP_Y + l * (NODE_H + GAP_Y) });
    });
  }
  const drawn: DrawnNode[] = nodes.map((n) => ({ ...n, ...position.get(n.id)! }));
  return { nodes: drawn, edges, width, height: GAP_Y + rows.size * (NODE_H + GAP_Y) };
}

/** The network with each block collapsed to one node. */
export function blockView(dag: Dag) {
  const blocks: string[] = [];
  const members = new Map<string, DagNode[]>();
  for (const n of dag.nodes) {
    const b = blockOf(n.name);
    if (!members.has(b)) {
      blocks.push(b);
      members.set(b, []);
    }
    members.get(b)!.push(n);
  }
  const index = new Map(blocks.map((b, i) => [b, i]));
  const edges = new Set<string>();
  for (const [from, to] of dag.edges) {
    const a = index.get(blockOf(dag.nodes[from]!.name))!;
    const b = index.get(blockOf(dag.nodes[to]!.name))!;
    if (a !== b) edges.add(`${a},${b}`);
  }
  const nodes = blocks.map((b, i) => {
    const ms = members.get(b)!;
    const last = ms[ms.length - 1]!;
    return {
      id: i,
      label: ms.length === 1 ? `${b}: ${last.op}` : b,
      detail: `${ms.length} op${ms.length === 1 ? "" : "s"} → [${last.shape.join("×")}]`,
      ...(ms.length > 1 ? { block: b } : {}),
    };
  });
  return layout(
    nodes,
    [...edges].map((e) => e.split(",").map(Number) as [number, number]),
  );
}

/** One block's ops, with the nodes feeding it drawn as inputs. */
export function detailView(dag: Dag, block: string) {
  const inside = new Set(dag.nodes.filter((n) => blockOf(n.name) === block).map((n) => n.id));
  const edges = dag.edges.filter(([, to]) => inside.has(to));
  const shown = new Set([...inside, ...edges.map(([from]) => from)]);
  const nodes = dag.nodes
    .filter((n) => shown.has(n.id))
    .map((n) => ({
      id: n.id,
      label: inside.has(n.id) ? `${n.name.slice(block.length + 1) || n.op}` : `in: ${n.name}`,
      detail: `${n.op} [${n.shape.join("×")}]${n.params > 0 ? ` ${n.params} p` : ""}`,
    }));
  return layout(nodes, edges);
}

const SVG = "http://www.w3.org/2000/svg";

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The SVG of a layout; a click on a collapsed block calls `onBlock`. */
export function drawDag(view: ReturnType<typeof layout>, onBlock?: (block: string) => void): SVGSVGElement {
  const svg = svgEl("svg", {
    width: view.width,
    height: view.height,
    viewBox: `0 0 ${view.width} ${view.height}`,
    role: "img",
  }) as SVGSVGElement;
  const defs = svgEl("defs", {});
  const marker = svgEl("marker", {
    id: "arrow",
    viewBox: "0 0 8 8",
    refX: 8,
    refY: 4,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto",
  });
  marker.append(svgEl("path", { d: "M0,0 L8,4 L0,8 z", fill: "#7a8590" }));
  defs.append(marker);
  svg.append(defs);
  const at = new Map(view.nodes.map((n) => [n.id, n]));
  for (const [from, to] of view.edges) {
    const a = at.get(from);
    const b = at.get(to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const mid = (y1 + y2) / 2;
    svg.append(
      svgEl("path", {
        d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`,
        fill: "none",
        stroke: "#9aa5b1",
        "marker-end": "url(#arrow)",
      }),
    );
  }
  for (const n of view.nodes) {
    const g = svgEl("g", { class: "dag-node", transform: `translate(${n.x},${n.y})` });
    g.append(
      svgEl("rect", {
        width: NODE_W,
        height: NODE_H,
        rx: 5,
        fill: n.block ? "#e3eef9" : n.label.startsWith("in: ") ? "#f4f6f8" : "#ffffff",
        stroke: n.block ? "#1f6fb2" : "#8a96a3",
      }),
    );
    const label = svgEl("text", { x: NODE_W / 2, y: 14, "text-anchor": "middle", "font-weight": 600 });
    label.textContent = n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label;
    const detail = svgEl("text", { x: NODE_W / 2, y: 27, "text-anchor": "middle", fill: "#5c6670" });
    detail.textContent = n.detail.length > 22 ? `${n.detail.slice(0, 21)}…` : n.detail;
    const title = svgEl("title", {});
    title.textContent = `${n.label}\n${n.detail}`;
    g.append(title, label, detail);
    if (n.block && onBlock) {
      g.setAttribute("style", "cursor: pointer");
      const block = n.block;
      g.addEventListener("click", () => onBlock(block));
    }
    svg.append(g);
  }
  return svg;
}
