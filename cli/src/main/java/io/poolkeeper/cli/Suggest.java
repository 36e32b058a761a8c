package io.poolkeeper.cli;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The known names closest to a mistyped one, by edit distance, for "did you mean" hints. */
final class Suggest {
    private Suggest() {}

    /**
     * Up to three names within a distance that grows with the typed name's length, nearest first; a name that
     * contains the typed one (or the reverse) also counts as near.
     */
    static List<String> nearest(String typed, Collection<String> known) {
        int limit = Math.max(2, typed.length() / 3);
        return known.stream()
                .filter(k -> distance(typed, k) <= limit || (typed.length() >= 3 && k.contains(typed)))
                .sorted(Comparator.comparingInt((String k) -> distance(typed, k))
                        .thenComparing(k -> k))
                .limit(3)
                .toList();
    }

    /** " (did you mean a or b?)" or nothing. */
    static String hint(String typed, Collection<String> known) {
        List<String> near = nearest(typed, known);
        return near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
