package dev.nettyshm.mmap;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** The open options of one call, split into the file's and the mapping's. */
record MapOptions(Set<OpenOption> fileOptions, boolean writable, boolean growable, boolean unlinkOnClose) {

    static MapOptions of(Set<? extends OpenOption> options) {
        Set<OpenOption> file = new HashSet<>();
        boolean growable = false;
        boolean unlinkOnClose = false;
        for (OpenOption option : options) {
            switch (option) {
                case MapOption.GROWABLE -> growable = true;
                case MapOption.UNLINK_ON_CLOSE -> unlinkOnClose = true;
                case StandardOpenOption.APPEND -> throw new IllegalArgumentException(
                        "APPEND does not apply to a mapping: seek to the end instead");
                default -> file.add(option);
            }
        }
        // A mapping always reads: even a write-only mmap needs a descriptor open for reading.
        file.add(StandardOpenOption.READ);
        return new MapOptions(Set.copyOf(file), file.contains(StandardOpenOption.WRITE), growable, unlinkOnClose);
    }

    static MapOptions of(OpenOption... options) {
        return of(new HashSet<>(Arrays.asList(options)));
    }
}
