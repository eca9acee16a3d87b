'use strict';

/**
 * Sorts `items` in ascending order and returns a new array. Items are opaque: the only way to order two
 * of them is `compare(a, b)`, which returns a negative number, zero or a positive number like the
 * comparator of Array.prototype.sort. The bounty's metric counts the calls to `compare`.
 *
 * Baseline: insertion sort (few comparisons on nearly sorted input, about n²/4 on shuffled input).
 */
function sort(items, compare) {
  const out = items.slice();
  for (let i = 1; i < out.length; i += 1) {
    const item = out[i];
    let j = i - 1;
    while (j >= 0 && compare(out[j], item) > 0) {
      out[j + 1] = out[j];
      j -= 1;
    }
    out[j + 1] = item;
  }
  return out;
}

module.exports = { sort };
