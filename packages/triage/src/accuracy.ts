/**
 * Grouping accuracy (GA), the standard score for log template mining (Zhu et al., ICSE-SEIP 2019):
 * the share of lines whose predicted group holds exactly the same set of lines as their ground-truth
 * group.
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly (string | number)[]): number {
  if (truth.length !== predicted.length) {
    throw new RangeError(
      `groupingAccuracy: ${truth.length} truth labels but ${predicted.length} predictions`,
    );
  }
  if (truth.length === 0) return 1;
  // A predicted group is correct iff it maps to exactly one truth group and that truth group maps
  // to exactly that predicted group with the same size.
  const predSize = new Map<string | number, number>();
  const truthSize = new Map<string, number>();
  const pairSize = new Map<string, number>();
  const predTruth = new Map<string | number, string>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    predSize.set(p, (predSize.get(p) ?? 0) + 1);
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
    const key = `${typeof p}:${p}\u0000${t}`;
    pairSize.set(key, (pairSize.get(key) ?? 0) + 1);
    predTruth.set(p, t);
  }
  let correct = 0;
  for (const [p, size] of predSize) {
    const t = predTruth.get(p)!;
    const pair = pairSize.get(`${typeof p}:${p}\u0000${t}`)!;
    if (pair === size && truthSize.get(t) === size) correct += size;
  }
  return correct / truth.length;
}
