/**
 * A Drain-class online template miner (He et al., ICWS 2017) over masked token sequences.
 *
 * Route: token count → first `depth - 2` tokens (a token holding `<*>` routes to the `<*>` child, and
 * so does any new token once a node has `maxChildren` children) → a leaf list of clusters. In the
 * leaf the cluster with the highest similarity wins if it reaches the threshold; its template turns
 * differing positions into `<*>`. Otherwise a new cluster is created.
 *
 * Bounded: at most `maxClusters` clusters; when a new one would exceed that, the least recently
 * matched cluster is evicted (ties: lowest id), as in Drain3's LRU mode.
 */
import { WILDCARD } from './mask.js';
import { getOrCreate } from './util.js';

export interface DrainOptions {
  /** Tree depth including the root and length levels; `depth - 2` prefix tokens route. Default 4. */
  depth?: number;
  /** Base similarity threshold in [0, 1]. Default 0.5. */
  similarity?: number;
  /** Children per internal node before new tokens share the `<*>` child. Default 100. */
  maxChildren?: number;
  /** Clusters kept; the least recently matched is evicted beyond this. Default 10_000. */
  maxClusters?: number;
}

export interface DrainCluster {
  readonly id: number;
  /** The template: constant tokens and `<*>`. */
  tokens: string[];
  /** Weighted number of sequences merged into this cluster. */
  size: number;
  /** Sequence number of the last match, for LRU eviction. */
  lastUsed: number;
}

interface LiveCluster extends DrainCluster {
  /** The leaf holding it (the template may no longer route there once widened). */
  leaf: Node;
}

interface Node {
  children: Map<string, Node>;
  clusters: LiveCluster[];
}

function newNode(): Node {
  return { children: new Map(), clusters: [] };
}

function hasWildcard(tok: string): boolean {
  return tok.includes(WILDCARD);
}

/**
 * Similarity of a template and a sequence of the same length, over informative positions only:
 * a position where both sides are `<*>` says nothing; a template `<*>` absorbs any token. Returns
 * matches / informative positions, and 1 when nothing is informative.
 */
export function similarity(template: readonly string[], seq: readonly string[]): number {
  let informative = 0;
  let match = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const s = seq[i]!;
    if (t === WILDCARD) {
      if (s !== WILDCARD) {
        informative++;
        match++;
      }
      continue;
    }
    informative++;
    if (t === s) match++;
  }
  return informative === 0 ? 1 : match / informative;
}

export class Drain {
  readonly #depth: number;
  readonly #threshold: number;
  readonly #maxChildren: number;
  readonly #maxClusters: number;
  readonly #root = newNode();
  readonly #clusters = new Map<number, LiveCluster>();
  /** Templates of evicted clusters, still reported by {@link template}. */
  readonly #frozen = new Map<number, string[]>();
  #nextId = 1;
  #tick = 0;
  #evicted = 0;

  constructor(opts: DrainOptions = {}) {
    this.#depth = Math.max(3, opts.depth ?? 4);
    this.#threshold = opts.similarity ?? 0.5;
    this.#maxChildren = Math.max(1, opts.maxChildren ?? 100);
    this.#maxClusters = Math.max(1, opts.maxClusters ?? 10_000);
  }

  /** Clusters currently kept, by id. */
  get clusters(): ReadonlyMap<number, DrainCluster> {
    return this.#clusters;
  }

  /** The template of a cluster, live or evicted (a copy). */
  template(id: number): string[] {
    const c = this.#clusters.get(id);
    if (c) return [...c.tokens];
    const f = this.#frozen.get(id);
    if (!f) throw new RangeError(`Drain: no cluster ${id}`);
    return [...f];
  }

  /** Clusters evicted so far by the `maxClusters` bound. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Adds a masked sequence with a weight; returns the cluster it joined or created. */
  add(seq: readonly string[], weight = 1): DrainCluster {
    this.#tick++;
    const leaf = this.#leaf(seq);
    let best: LiveCluster | undefined;
    let bestSim = -1;
    for (const c of leaf.clusters) {
      const s = similarity(c.tokens, seq);
      if (s > bestSim || (s === bestSim && best !== undefined && c.id < best.id)) {
        best = c;
        bestSim = s;
      }
    }
    if (best !== undefined && bestSim >= this.#threshold) {
      const t = best.tokens;
      for (let i = 0; i < t.length; i++) if (t[i] !== seq[i]) t[i] = WILDCARD;
      best.size += weight;
      best.lastUsed = this.#tick;
      return best;
    }
    if (this.#clusters.size >= this.#maxClusters) this.#evictOne();
    const c: LiveCluster = { id: this.#nextId++, tokens: [...seq], size: weight, lastUsed: this.#tick, leaf };
    leaf.clusters.push(c);
    this.#clusters.set(c.id, c);
    return c;
  }

  #leaf(seq: readonly string[]): Node {
    let node: Node = getOrCreate(this.#root.children, String(seq.length), newNode);
    const prefix = Math.min(this.#depth - 2, seq.length);
    for (let i = 0; i < prefix; i++) {
      const tok = seq[i]!;
      let key = hasWildcard(tok) ? WILDCARD : tok;
      // A full node sends new tokens to its shared `<*>` child (Drain's maxChild).
      if (key !== WILDCARD && !node.children.has(key) && node.children.size >= this.#maxChildren)
        key = WILDCARD;
      node = getOrCreate(node.children, key, newNode);
    }
    return node;
  }

  #evictOne(): void {
    let victim: LiveCluster | undefined;
    for (const c of this.#clusters.values()) {
      if (!victim || c.lastUsed < victim.lastUsed || (c.lastUsed === victim.lastUsed && c.id < victim.id))
        victim = c;
    }
    if (!victim) return;
    this.#clusters.delete(victim.id);
    this.#frozen.set(victim.id, victim.tokens);
    const list = victim.leaf.clusters;
    const i = list.indexOf(victim);
    if (i >= 0) list.splice(i, 1);
    this.#evicted++;
  }
}
