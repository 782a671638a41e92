/** "Did you mean" for names the user typed: the closest candidate by edit distance. */

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name`, or null when none is close enough to be a
 * plausible typo (a third of the name's length, at least 2 edits). A
 * candidate that merely differs in case, or that the name is a prefix of, wins.
 */
export function suggest(name: string, candidates: readonly string[]): string | null {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const score = cl === lower ? 0 : cl.startsWith(lower) || lower.startsWith(cl) ? 0.5 : editDistance(lower, cl);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return bestScore <= limit ? best : null;
}

/** ` (did you mean X?)`, or '' when nothing is close: appended to not-found messages. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const s = suggest(name, candidates);
  return s === null ? '' : `; did you mean ${s}?`;
}
