package dev.nettyshm.channel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The third process of {@link HostilePeerFuzzTest}: for each line {@code MAPFILE SIZE SEED} on its input it maps
 * the connection segment another process has mapped at {@code MAPFILE} (a {@code /proc/PID/map_files} entry), writes
 * the case {@code SEED} chooses into it, unmaps it, and prints {@code attacked KIND|COMPLAINT}. Ends when its input
 * closes.
 */
public final class ThirdPartyAttacker {

    private ThirdPartyAttacker() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = lines.readLine()) != null; ) {
            String[] words = line.split(" ");
            try (FileChannel file = FileChannel.open(Path.of(words[0]), StandardOpenOption.READ,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                MemorySegment segment = file.map(FileChannel.MapMode.READ_WRITE, 0, Long.parseLong(words[1]), arena);
                HostilePeerFuzzTest.Attack attack = HostilePeerFuzzTest.attack(segment,
                        new Random(Long.parseLong(words[2])));
                System.out.println("attacked " + attack.kind() + "|" + attack.complaint());
                System.out.flush();
            }
        }
    }
}
