package dev.nettyshm.channel;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Removes a dead server's files as a process's first use of the directory does — locks the name's lock file, marks
 * it retired, removes the socket and the lock file, lets go — but holds the lock for a while first:
 * {@code SlowRemover LOCK_FILE MILLIS} prints {@code locked} once it holds the lock, and lets go MILLIS ms later.
 */
public final class SlowRemover {

    private SlowRemover() {
    }

    public static void main(String[] args) throws Exception {
        Path lockPath = Path.of(args[0]);
        String stem = lockPath.getFileName().toString().replaceFirst("\\.lock$", "");
        Path socketPath = lockPath.resolveSibling(stem + ".sock");
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock();
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.parseLong(args[1]));
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), 0);
            Files.deleteIfExists(socketPath);
            Files.deleteIfExists(lockPath);
            lock.release();
        }
    }
}
