package dev.gvsim.machine.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SweepPointsTest {
    @Test
    void cartesianProductIsNestedLoopOrderFirstAxisSlowest() {
        List<SweepPoints.Point> ps = SweepPoints.cartesian(List.of(SweepPoints.Axis.parse("a=1,2"), SweepPoints.Axis.parse("b=x,y,z")));
        assertThat(ps).hasSize(6);
        assertThat(ps.get(0).params()).isEqualTo(Map.of("a", "1", "b", "x"));
        assertThat(ps.get(1).params()).isEqualTo(Map.of("a", "1", "b", "y"));
        assertThat(ps.get(3).params()).isEqualTo(Map.of("a", "2", "b", "x"));
        assertThat(ps.get(5).index()).isEqualTo(5);
        assertThat(SweepPoints.cartesian(List.of())).hasSize(1);
    }

    @Test
    void shardsAreIndexModCountAndCoverEveryPointOnce() {
        List<SweepPoints.Point> ps = SweepPoints.cartesian(List.of(SweepPoints.Axis.parse("a=1,2,3,4,5,6,7")));
        assertThat(SweepPoints.shard(ps, SweepPoints.Shard.parse("1/3")).stream().map(SweepPoints.Point::index)).containsExactly(1, 4);
        int total = 0;
        for (int i = 0; i < 3; i++) {
            total += SweepPoints.shard(ps, new SweepPoints.Shard(i, 3)).size();
        }
        assertThat(total).isEqualTo(7);
    }

    @Test
    void badSpecsAreClearErrors() {
        assertThatThrownBy(() -> SweepPoints.Axis.parse("a")).hasMessageContaining("--set expects NAME=VALUE");
        assertThatThrownBy(() -> SweepPoints.Axis.parse("a=1,,2")).hasMessageContaining("empty value");
        assertThatThrownBy(() -> SweepPoints.cartesian(List.of(SweepPoints.Axis.parse("a=1"), SweepPoints.Axis.parse("a=2"))))
                .hasMessageContaining("given twice");
        for (String bad : new String[] {"3/3", "-1/2", "1", "a/b", "0/0", "1/2/3"}) {
            assertThatThrownBy(() -> SweepPoints.Shard.parse(bad)).as(bad).hasMessageContaining("--shard expects I/N");
        }
        assertThatThrownBy(() -> SweepPoints.parseFile("p.txt", List.of("# c", "a=1 b=2", "a=1 b"))).hasMessageContaining("p.txt:3:");
        assertThat(SweepPoints.parseFile("p.txt", List.of("# c", "", "a=1 b=2", "a=3")).get(1).params()).isEqualTo(Map.of("a", "3"));
    }
}
