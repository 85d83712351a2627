package dev.nettyshm.mmap;

import java.nio.file.Path;

/**
 * The other process of the two-process tests. Commands:
 * <ul>
 *   <li>{@code fill-name DIR NAME SEED}: opens segment NAME in DIR and fills it with the pattern of SEED;</li>
 *   <li>{@code fill-id DIR ID SEED}: the same, by id;</li>
 *   <li>{@code check-name DIR NAME SEED}: exits 3 unless every byte of NAME is the pattern of SEED;</li>
 *   <li>{@code truncate FILE SIZE}: truncates FILE to SIZE bytes;</li>
 *   <li>{@code grow FILE SIZE}: grows FILE to SIZE bytes by writing its last byte;</li>
 *   <li>{@code print-system-dir}: prints {@link SharedMemoryDirectory#system()}'s path.</li>
 * </ul>
 */
public final class ShmPeer {

    private ShmPeer() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fill-name" -> {
                try (SharedMemory shm = SharedMemoryDirectory.of(Path.of(args[1])).open(args[2])) {
                    Pattern.fill(shm, Long.parseLong(args[3]));
                }
            }
            case "fill-id" -> {
                try (SharedMemory shm = SharedMemoryDirectory.of(Path.of(args[1])).open(Long.parseLong(args[2]))) {
                    Pattern.fill(shm, Long.parseLong(args[3]));
                }
            }
            case "check-name" -> {
                try (SharedMemory shm = SharedMemoryDirectory.of(Path.of(args[1])).open(args[2])) {
                    long mismatch = Pattern.firstMismatch(shm, Long.parseLong(args[3]));
                    if (mismatch >= 0) {
                        System.out.println("mismatch at " + mismatch);
                        System.exit(3);
                    }
                }
            }
            case "truncate" -> {
                try (var channel = java.nio.channels.FileChannel.open(Path.of(args[1]),
                        java.nio.file.StandardOpenOption.WRITE)) {
                    channel.truncate(Long.parseLong(args[2]));
                }
            }
            case "grow" -> {
                try (var channel = java.nio.channels.FileChannel.open(Path.of(args[1]),
                        java.nio.file.StandardOpenOption.WRITE)) {
                    channel.write(java.nio.ByteBuffer.wrap(new byte[] {7}), Long.parseLong(args[2]) - 1);
                }
            }
            case "print-system-dir" -> System.out.println(SharedMemoryDirectory.system().path());
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }
}
