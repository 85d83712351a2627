package dev.nettyshm.mmap;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.OptionalLong;

/** The rules for segment names, and the names generated for ids. */
final class SegmentNames {

    /** Generated names: this prefix and the id as 16 hex digits. */
    private static final String ID_PREFIX = "nettyshm-id-";

    private SegmentNames() {
    }

    static String check(String name) {
        if (name == null) {
            throw new IllegalArgumentException("segment name is null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("segment name is empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("segment name contains a NUL character: '" + printable(name) + "'");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("segment name contains a path separator: '" + name + "'");
        }
        if (name.contains("..")) {
            throw new IllegalArgumentException("segment name contains '..': '" + name + "'");
        }
        if (name.equals(".")) {
            throw new IllegalArgumentException("segment name is '.'");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SharedMemory.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("segment name is " + bytes + " UTF-8 bytes long, more than the "
                    + SharedMemory.MAX_NAME_BYTES + " allowed: '" + name.substring(0, 32) + "…'");
        }
        return name;
    }

    static String ofId(long id) {
        return ID_PREFIX + HexFormat.of().toHexDigits(id);
    }

    static OptionalLong idOf(String name) {
        if (name.length() == ID_PREFIX.length() + 16 && name.startsWith(ID_PREFIX)) {
            String digits = name.substring(ID_PREFIX.length());
            if (digits.chars().allMatch(HexFormat::isHexDigit)) {
                long id = HexFormat.fromHexDigitsToLong(digits);
                // Only the spelling ofId gives maps back to the same file.
                if (ofId(id).equals(name)) {
                    return OptionalLong.of(id);
                }
            }
        }
        return OptionalLong.empty();
    }

    private static String printable(String name) {
        return name.replace("\0", "\\0");
    }
}
