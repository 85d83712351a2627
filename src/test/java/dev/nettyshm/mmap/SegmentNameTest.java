package dev.nettyshm.mmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SegmentNameTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''                  | is empty",
        "a/b                 | path separator",
        "/orders             | path separator",
        "a\\b                | path separator",
        "..                  | contains '..'",
        "x..y                | contains '..'",
        ".                   | is '.'",
    })
    void shouldRejectABadNameNamingTheRule(String name, String rule) {
        assertThatThrownBy(() -> SharedMemory.checkName(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(rule);
        assertThatThrownBy(() -> SharedMemory.create(name, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(rule);
    }

    @Test
    void shouldRejectNulAndNullAndOverlongNames() {
        assertThatThrownBy(() -> SharedMemory.checkName("a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL").hasMessageContaining("a\\0b");
        assertThatThrownBy(() -> SharedMemory.checkName(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> SharedMemory.checkName("x".repeat(256))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256 UTF-8 bytes").hasMessageContaining("255");
        assertThatThrownBy(() -> SharedMemory.checkName("é".repeat(128)))
                .as("the limit counts bytes, not characters").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAcceptOrdinaryNamesUpToTheLimit() {
        assertThat(SharedMemory.checkName("orders")).isEqualTo("orders");
        assertThat(SharedMemory.checkName("x".repeat(255))).hasSize(255);
        assertThat(SharedMemory.checkName("a.b-c_d 1")).isEqualTo("a.b-c_d 1");
    }

    @Test
    void shouldKeepEveryNameInsideItsDirectory() throws Exception {
        SharedMemoryDirectory dir = SharedMemoryDirectory.of(Files.createTempDirectory("names"));
        for (String name : new String[] {"orders", ".hidden", "x".repeat(255)}) {
            Path resolved = dir.resolve(name);
            assertThat(resolved.getParent()).isEqualTo(dir.path());
        }
    }

    @Test
    void shouldMapIdsToNamesAndBack() {
        String name = SegmentNames.ofId(0x1234L);
        assertThat(SegmentNames.idOf(name)).hasValue(0x1234L);
        assertThat(SegmentNames.idOf("orders")).isEmpty();
        assertThat(SegmentNames.idOf(name.toUpperCase())).isEmpty();
    }
}
