package dev.nettyshm.examples;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An example's command line: {@code key=value} words ({@code -Dexample.args="subscribers=5 seconds=10"}), every key
 * optional with a default.
 */
final class ExampleArgs {

    private final Map<String, String> values = new HashMap<>();

    /**
     * @param keys the keys the example takes
     * @throws IllegalArgumentException naming a word that is not {@code key=value} or a key the example does not take
     */
    ExampleArgs(String[] args, String... keys) {
        for (String arg : args) {
            int equals = arg.indexOf('=');
            String key = equals < 0 ? arg : arg.substring(0, equals);
            if (equals < 0 || !List.of(keys).contains(key)) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'; this example takes "
                        + String.join("=…, ", keys) + "=…");
            }
            values.put(key, arg.substring(equals + 1));
        }
    }

    /** The value of {@code key}, or {@code otherwise} when it was not given. */
    String text(String key, String otherwise) {
        return values.getOrDefault(key, otherwise);
    }

    /** The value of {@code key} as a whole number, or {@code otherwise} when it was not given. */
    int number(String key, int otherwise) {
        String value = values.get(key);
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument " + key + " must be a whole number, not '" + value + "'");
        }
    }
}
