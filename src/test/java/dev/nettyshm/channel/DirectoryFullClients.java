package dev.nettyshm.channel;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The client process of {@link DirectoryFullTest}: {@code DirectoryFullClients NAME CONNECTIONS WAVE} opens
 * CONNECTIONS connections to a framed echo server, WAVE at a time, all on one event loop, and has each echo
 * {@value #FRAMES} frames of one size — 64 B to 4 MiB, in turn — with every byte checked, while the rest of its
 * wave does the same. It prints {@code refused CAUSE} for each connect that failed, and at the end
 * {@code result CONNECTED REFUSED WRONG FAILED FALLBACKS}: frames that came back altered, connections that failed
 * after connecting or lost frames, and the buffers the pools could not serve.
 */
public final class DirectoryFullClients {

    private static final int FRAMES = 4;
    private static final int[] SIZES = {64, 1 << 10, 64 << 10, 1 << 20, 4 << 20};

    private DirectoryFullClients() {
    }

    public static void main(String[] args) throws Exception {
        ShmAddress address = new ShmAddress(args[0]);
        int connections = Integer.parseInt(args[1]);
        int wave = Integer.parseInt(args[2]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        int connected = 0;
        int refused = 0;
        long wrong = 0;
        int failed = 0;
        long fallbacks = 0;
        Map<String, Integer> causes = new TreeMap<>();
        try {
            for (int first = 0; first < connections; first += wave) {
                List<FramedEchoClient> clients = new ArrayList<>();
                List<ChannelFuture> connects = new ArrayList<>();
                for (int i = first; i < Math.min(connections, first + wave); i++) {
                    FramedEchoClient client = new FramedEchoClient(SIZES[i % SIZES.length], 2);
                    clients.add(client);
                    connects.add(new Bootstrap().group(group).channel(ShmChannel.class).handler(client)
                            .connect(address));
                }
                for (int i = 0; i < clients.size(); i++) {
                    ChannelFuture connect = connects.get(i).awaitUninterruptibly();
                    if (!connect.isSuccess()) {
                        refused++;
                        causes.merge(connect.cause().getClass().getSimpleName(), 1, Integer::sum);
                        System.out.println("refused " + connect.cause());
                        continue;
                    }
                    connected++;
                    FramedEchoClient client = clients.get(i);
                    try {
                        client.awaitEchoes(FRAMES, 30);
                        client.stop();
                        client.drained.get(30, TimeUnit.SECONDS);
                    } catch (AssertionError | java.util.concurrent.TimeoutException e) {
                        failed++;
                        System.out.println("failed " + e);
                    }
                    if (client.failure != null) {
                        failed++;
                        System.out.println("failed " + client.failure);
                    }
                    wrong += client.wrong.get();
                    ShmChannel channel = (ShmChannel) connect.channel();
                    fallbacks += channel.metrics().poolFallbacks();
                }
                for (ChannelFuture connect : connects) {
                    if (connect.isSuccess()) {
                        connect.channel().close().sync();
                    }
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        System.out.println("causes " + causes);
        System.out.println("result " + connected + " " + refused + " " + wrong + " " + failed + " " + fallbacks);
    }
}
