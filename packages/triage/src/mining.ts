/**
 * Template mining over distinct masked token sequences, in two deterministic steps:
 *
 * 1. **Drain** ({@link Drain}) clusters the sequences online, in the order given (the engine passes
 *    them by first-seen time).
 * 2. **Enum split**: inside a cluster, a `<*>` position whose values are all plain words (no masked
 *    part) and take at most `enumValues` distinct values is an enumerated field — a state, an action,
 *    a mode ("VM Paused" / "VM Resumed", "from NEW to RUNNING") — not a variable. The cluster is split
 *    by the tuple of those values. High-cardinality word positions (user names, hosts) stay `<*>`.
 *
 * Nothing here depends on a particular data set: no per-system regexes or thresholds.
 */
import { Drain, type DrainOptions } from './drain.js';
import { maskMessage, WILDCARD } from './mask.js';
import { getOrCreate } from './util.js';

export interface MiningOptions extends DrainOptions {
  /** Most distinct word values a `<*>` position may take to be split as an enumeration. Default 8;
   *  0 disables the split. */
  enumValues?: number;
}

export interface SequenceInput {
  readonly tokens: readonly string[];
  /** How many lines the sequence stands for (only used for cluster sizes). */
  readonly weight: number;
}

export interface MinedTemplate {
  /** Constant tokens and `<*>`. */
  tokens: string[];
  /** Sum of the member sequences' weights. */
  weight: number;
  /** Indexes of the member sequences in the input, ascending. */
  members: number[];
}

export interface MiningResult {
  templates: MinedTemplate[];
  /** Template index of each input sequence. */
  assignment: number[];
}

export const DEFAULT_MINING: Required<MiningOptions> = {
  depth: 4,
  similarity: 0.5,
  maxChildren: 100,
  maxClusters: 5_000,
  enumValues: 8,
};

/** Mines templates from distinct masked sequences; deterministic for a given input order. */
export function mineSequences(inputs: readonly SequenceInput[], opts: MiningOptions = {}): MiningResult {
  const o = { ...DEFAULT_MINING, ...opts };
  const drain = new Drain(o);
  const clusterOf = new Array<number>(inputs.length);
  for (let i = 0; i < inputs.length; i++) clusterOf[i] = drain.add(inputs[i]!.tokens, inputs[i]!.weight).id;

  // Group members by cluster, clusters in id order (creation order: deterministic).
  const members = new Map<number, number[]>();
  for (let i = 0; i < inputs.length; i++) {
    getOrCreate(members, clusterOf[i]!, () => []).push(i);
  }
  const clusterTokens = new Map<number, string[]>();
  for (const id of members.keys()) clusterTokens.set(id, drain.template(id));

  // Enum split, then emit templates in order of their first member (stable, input-order based).
  const groups: { tokens: string[]; members: number[] }[] = [];
  for (const [id, ms] of members) {
    ms.sort((a, b) => a - b);
    const base = clusterTokens.get(id)!;
    const enumPos: number[] = [];
    if (o.enumValues > 0) {
      for (let p = 0; p < base.length; p++) {
        if (base[p] !== WILDCARD) continue;
        const seen = new Set<string>();
        let ok = true;
        for (const m of ms) {
          const v = inputs[m]!.tokens[p]!;
          if (v.includes(WILDCARD)) {
            ok = false;
            break;
          }
          seen.add(v);
          if (seen.size > o.enumValues) {
            ok = false;
            break;
          }
        }
        if (ok && seen.size > 1) enumPos.push(p);
      }
    }
    if (enumPos.length === 0) {
      groups.push({ tokens: [...base], members: ms });
      continue;
    }
    const split = new Map<string, { tokens: string[]; members: number[] }>();
    for (const m of ms) {
      const seq = inputs[m]!.tokens;
      const key = enumPos.map((p) => seq[p]).join('\u0000');
      const g = getOrCreate(split, key, () => {
        const tokens = [...base];
        for (const p of enumPos) tokens[p] = seq[p]!;
        return { tokens, members: [] as number[] };
      });
      g.members.push(m);
    }
    for (const g of split.values()) groups.push(g);
  }
  groups.sort((a, b) => a.members[0]! - b.members[0]!);

  const assignment = new Array<number>(inputs.length);
  const templates: MinedTemplate[] = groups.map((g, gi) => {
    let weight = 0;
    const tokens = g.tokens;
    for (const m of g.members) {
      assignment[m] = gi;
      weight += inputs[m]!.weight;
    }
    // A position every member agrees on is a constant, even if Drain widened it while the cluster
    // still held sequences that later moved elsewhere.
    for (let p = 0; p < tokens.length; p++) {
      if (tokens[p] !== WILDCARD) continue;
      const first = inputs[g.members[0]!]!.tokens[p]!;
      if (g.members.every((m) => inputs[m]!.tokens[p] === first)) tokens[p] = first;
    }
    return { tokens, weight, members: g.members };
  });
  return { templates, assignment };
}

/**
 * Convenience for scoring and tests: masks each line, mines the distinct sequences in first-seen
 * order, and returns the template index of every line.
 */
export function mineLines(
  lines: readonly string[],
  opts: MiningOptions = {},
): { templates: MinedTemplate[]; lineTemplate: number[] } {
  const index = new Map<string, number>();
  const inputs: { tokens: string[]; weight: number }[] = [];
  const lineSeq = new Array<number>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const tokens = maskMessage(lines[i]!);
    const key = tokens.join(' ');
    let s = index.get(key);
    if (s === undefined) {
      s = inputs.length;
      index.set(key, s);
      inputs.push({ tokens, weight: 0 });
    }
    inputs[s]!.weight++;
    lineSeq[i] = s;
  }
  const { templates, assignment } = mineSequences(inputs, opts);
  return { templates, lineTemplate: lineSeq.map((s) => assignment[s]!) };
}
