package dev.nettyshm.bench.transport;

/** Where the event loops of a measurement's two JVMs run: pinned to different CPUs, or both to one. */
public enum Placement {
    DIFFERENT_CPUS("different CPUs", "0", "1"),
    ONE_CPU("one CPU", "0", "0");

    public final String label;
    final String serverCpu;
    final String clientCpu;

    Placement(String label, String serverCpu, String clientCpu) {
        this.label = label;
        this.serverCpu = serverCpu;
        this.clientCpu = clientCpu;
    }
}
