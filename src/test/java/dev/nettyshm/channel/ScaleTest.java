package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.examples.EchoServer;
import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * One server, 1,000 connections from 10 client processes, each echoing checksummed messages for 30 seconds
 * ({@code -Ddev.nettyshm.test.scaleSeconds} to change): no failure, no lost or damaged byte; prints the server's
 * CPU and memory per connection. Long: runs only with {@code -Ddev.nettyshm.test.scale=true}. Every connection
 * is made before any echoes — the server holds all 1,000 at once — and then all echo together.
 */
@EnabledIfSystemProperty(named = "dev.nettyshm.test.scale", matches = "true")
class ScaleTest {

    private static final int PROCESSES = 10;
    private static final int CONNECTIONS_EACH = 100;
    private static final int SECONDS = Integer.getInteger("dev.nettyshm.test.scaleSeconds", 30);

    @Test
    void shouldServeAThousandConnectionsFromTenProcesses() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
        ShmAddress address = new ShmAddress("scale-" + UUID.randomUUID());
        try {
            ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel child) {
                            children.add(child);
                            child.pipeline().addLast(new EchoServer.Echo());
                        }
                    }).bind(address).sync().channel();
            long rssBefore = residentBytes();
            long connectStart = System.nanoTime();
            List<ChildJvm> clients = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) {
                clients.add(ChildJvm.start(TransportPeer.class, "echo-clients", address.name(),
                        String.valueOf(CONNECTIONS_EACH), String.valueOf(SECONDS), "256"));
            }
            for (ChildJvm client : clients) {
                client.awaitLine("connected");
            }
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            assertThat(children.size()).as("connections the server holds at once")
                    .isEqualTo(PROCESSES * CONNECTIONS_EACH);
            long processCpuBefore = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
            long start = System.nanoTime();
            for (ChildJvm client : clients) {
                client.sendLine("go");
            }
            long messages = 0;
            long peakRss = 0;
            for (ChildJvm client : clients) {
                assertThat(client.waitFor(SECONDS + 240)).isZero();
                peakRss = Math.max(peakRss, residentBytes());
                String output = client.output();
                assertThat(output).as("client output").contains("result ").doesNotContain("failed");
                String[] result = output.substring(output.indexOf("result ") + 7).trim().split("\\s+");
                messages += Long.parseLong(result[0]);
                assertThat(Long.parseLong(result[1])).as("damaged bytes").isZero();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double serverCpu = (ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos()
                    - processCpuBefore) / 1e9;
            int connections = PROCESSES * CONNECTIONS_EACH;
            System.out.printf("%d connections, all connected in %.1f s, then echoing together for %.0f s: %,d messages"
                    + " echoed (%,.0f/s), none damaged; server %.2f cores, %.1f µs of server CPU per message, %,d bytes"
                    + " of server RSS per connection%n", connections, connectSeconds, seconds, messages, messages / seconds, serverCpu / seconds, serverCpu * 1e6 / messages,
                    (peakRss - rssBefore) / connections);
            assertThat(messages).isPositive();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static long residentBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }
}
