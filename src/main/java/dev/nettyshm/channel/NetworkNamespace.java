package dev.nettyshm.channel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The identity of this process's network namespace, which a TCP address means something only within: two containers
 * that share {@code /dev/shm} but not their network both have a {@code 127.0.0.1:8080}, and a client of one must never
 * reach the other's server through shared memory.
 */
final class NetworkNamespace {

    /**
     * The inode of {@code /proc/self/ns/net} on Linux (unique among the namespaces alive on the host, which is what
     * shares a shared-memory directory); {@code host} on systems without network namespaces; {@code null} on Linux
     * when it cannot be read, and then no TCP address is matched to shared memory at all.
     */
    static final String ID = read();

    private NetworkNamespace() {
    }

    private static String read() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return "host";
        }
        try {
            // "net:[4026531840]"
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            int open = link.indexOf('[');
            int close = link.indexOf(']');
            String inode = open >= 0 && close > open ? link.substring(open + 1, close) : "";
            return !inode.isEmpty() && inode.chars().allMatch(Character::isDigit) ? inode : null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }
}
