package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ShmIdlePolicyTest {

    @Test
    void shouldRejectANegativeSpinOrYieldCountAndAnEmptySleep() {
        assertThatThrownBy(() -> new ShmIdlePolicy(Duration.ofNanos(-1), 10, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spin");
        assertThatThrownBy(() -> new ShmIdlePolicy(Duration.ZERO, -1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("yields");
        assertThatThrownBy(() -> new ShmIdlePolicy(Duration.ZERO, 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSleep");
    }

    @Test
    void shouldKeepEverythingButTheSleepWhenTheFutexIsSwitched() {
        ShmIdlePolicy policy = new ShmIdlePolicy(Duration.ofNanos(7_000), 3, Duration.ofMillis(9), true);

        assertThat(policy.withFutex(false))
                .isEqualTo(new ShmIdlePolicy(Duration.ofNanos(7_000), 3, Duration.ofMillis(9), false));
    }
}
