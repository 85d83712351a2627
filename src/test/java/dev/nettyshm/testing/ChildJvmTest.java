package dev.nettyshm.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChildJvmTest {

    @Test
    void shouldKillAStuckChildAndFailWithWhatItPrinted() throws Exception {
        ChildJvm child = ChildJvm.start(Stuck.class);
        child.awaitLine("started");
        assertThatThrownBy(() -> child.awaitLine("done", Duration.ofMillis(500))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("'done'").hasMessageContaining("waiting");
        assertThat(child.process().waitFor(10, TimeUnit.SECONDS)).as("the child is killed").isTrue();
    }

    @Test
    void shouldFailWhenTheChildEndsBeforeTheLine() throws Exception {
        ChildJvm child = ChildJvm.start(Stuck.class, "end");
        assertThatThrownBy(() -> child.awaitLine("done")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("ended").hasMessageContaining("started");
        assertThat(child.output()).as("what is left once the output ended").isEmpty();
    }

    /** Prints {@code started} and {@code waiting}, then sleeps for good — or ends, given {@code end}. */
    public static final class Stuck {

        private Stuck() {
        }

        public static void main(String[] args) throws InterruptedException {
            System.out.println("started");
            if (args.length > 0) {
                return;
            }
            System.out.println("waiting");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
