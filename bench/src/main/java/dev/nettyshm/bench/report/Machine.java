package dev.nettyshm.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The machine and JDK a report was measured on: the CPU, memory and kernel as Linux's {@code /proc} tells them. */
record Machine(String cpu, int cpus, long memoryBytes, String kernel, String jdk) {

    static Machine current() throws IOException {
        List<String> cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        String cpu = field(cpuinfo, "model name").orElse(System.getProperty("os.arch"));
        long memoryKib = Long.parseLong(field(Files.readAllLines(Path.of("/proc/meminfo")), "MemTotal")
                .orElseThrow(() -> new IOException("/proc/meminfo has no MemTotal")).replace("kB", "").trim());
        String kernel = System.getProperty("os.name") + " "
                + Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        String jdk = System.getProperty("java.vendor") + " " + System.getProperty("java.vendor.version", "")
                + " (" + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version") + ")";
        return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memoryKib * 1024, kernel, jdk);
    }

    /** The value of the first {@code name : value} line named {@code name}. */
    private static Optional<String> field(List<String> lines, String name) {
        return lines.stream().filter(line -> line.startsWith(name) && line.indexOf(':') > 0)
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst();
    }

    /** A Markdown list. */
    String markdown() {
        return String.format(Locale.ROOT, "- CPU: %s, %d CPUs%n- memory: %.1f GiB%n- kernel: %s%n- JDK: %s%n", cpu,
                cpus, memoryBytes / (double) (1L << 30), kernel, jdk);
    }
}
