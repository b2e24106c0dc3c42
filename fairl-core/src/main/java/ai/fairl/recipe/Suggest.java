package ai.fairl.recipe;

import java.util.Collection;

/** "Did you mean" suggestions by Levenshtein distance. */
final class Suggest {
  private Suggest() {}

  /** The closest candidate within a distance of max(2, length/3), or null. */
  static String closest(String word, Collection<String> candidates) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    int limit = Math.max(2, word.length() / 3);
    for (String c : candidates) {
      int d = distance(word, c);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return bestD <= limit ? best : null;
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
