package dev.gvsim.machine.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgTest {
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> all(Document d, String tag) {
        NodeList nl = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nl.getLength(); i++) {
            out.add((Element) nl.item(i));
        }
        return out;
    }

    private static List<Svg.Series> twoSeries() {
        return List.of(new Svg.Series("a", new double[] {0, 1, 2, 3}, new double[] {0, 10, 20, 15}),
                new Svg.Series("b", new double[] {0, 1, 2, 3}, new double[] {5, 5, Double.NaN, 7}));
    }

    @Test
    void linePlotIsWellFormedSvgWithOnePolylinePerSeriesAndTickLabels() throws Exception {
        Document d = parse(Svg.linePlot("bytes/s", "time (ms)", "B/s", twoSeries()));
        assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
        List<Element> lines = all(d, "polyline");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).getAttribute("points").split(" ")).hasSize(4);
        // the NaN point is left out
        assertThat(lines.get(1).getAttribute("points").split(" ")).hasSize(3);
        assertThat(lines.get(0).getAttribute("stroke")).isNotEqualTo(lines.get(1).getAttribute("stroke"));
        List<String> texts = all(d, "text").stream().map(Element::getTextContent).toList();
        assertThat(texts).contains("bytes/s", "time (ms)", "B/s", "a", "b", "0", "20", "3");
    }

    @Test
    void pointsAreInsideThePlotArea() throws Exception {
        Document d = parse(Svg.linePlot("t", "x", "y", twoSeries()));
        for (Element pl : all(d, "polyline")) {
            for (String p : pl.getAttribute("points").split(" ")) {
                double x = Double.parseDouble(p.split(",")[0]);
                double y = Double.parseDouble(p.split(",")[1]);
                assertThat(x).isBetween(0.0, (double) Svg.WIDTH);
                assertThat(y).isBetween(0.0, (double) Svg.HEIGHT);
            }
        }
    }

    @Test
    void barChartHasOneBarPerFiniteValue() throws Exception {
        Document d = parse(Svg.barChart("% of native", "%", List.of("copy", "zero-copy", "none"), new double[] {40, 95.5, Double.NaN}));
        List<Element> bars = all(d, "rect").stream().filter(e -> e.getAttribute("class").equals("bar")).toList();
        assertThat(bars).hasSize(2);
        double h0 = Double.parseDouble(bars.get(0).getAttribute("height"));
        double h1 = Double.parseDouble(bars.get(1).getAttribute("height"));
        assertThat(h1).isGreaterThan(h0);
        assertThat(h1 / h0).isCloseTo(95.5 / 40, org.assertj.core.data.Offset.offset(0.02));
    }

    @Test
    void textIsEscaped() throws Exception {
        String hostile = "<script>alert('x')</script> & \"q\" \u0001";
        String svg = Svg.linePlot(hostile, hostile, hostile, List.of(new Svg.Series(hostile, new double[] {1}, new double[] {1})));
        assertThat(svg).doesNotContain("<script>");
        Document d = parse(svg);
        assertThat(all(d, "script")).isEmpty();
        assertThat(all(d, "text").get(0).getTextContent()).isEqualTo("<script>alert('x')</script> & \"q\" \ufffd");
        assertThat(Svg.esc("a&b<c>d\"e'f")).isEqualTo("a&amp;b&lt;c&gt;d&quot;e&#39;f");
    }

    @Test
    void sameInputSameBytes() {
        assertThat(Svg.linePlot("t", "x", "y", twoSeries())).isEqualTo(Svg.linePlot("t", "x", "y", twoSeries()));
        assertThat(Svg.barChart("t", "y", List.of("a"), new double[] {3})).isEqualTo(Svg.barChart("t", "y", List.of("a"), new double[] {3}));
    }

    @Test
    void emptyAndFlatInputsStillDrawAxes() throws Exception {
        assertThat(all(parse(Svg.linePlot("t", "x", "y", List.of())), "line")).isNotEmpty();
        assertThat(all(parse(Svg.linePlot("t", "x", "y", List.of(new Svg.Series("c", new double[] {2, 2}, new double[] {0, 0})))), "polyline"))
                .hasSize(1);
        assertThat(all(parse(Svg.barChart("t", "y", List.of(), new double[0])), "line")).isNotEmpty();
    }

    @Test
    void ticksAreNiceAndCoverTheRange() {
        Svg.Axis a = Svg.Axis.of(0, 87);
        assertThat(a.step()).isEqualTo(20);
        assertThat(a.ticks()).containsExactly(0.0, 20.0, 40.0, 60.0, 80.0, 100.0);
        assertThat(Svg.Axis.of(0, 3.2e6).step()).isEqualTo(1e6);
        assertThat(Svg.label(1_500_000)).isEqualTo("1.5M");
        assertThat(Svg.label(250)).isEqualTo("250");
        assertThat(Svg.label(0.25)).isEqualTo("0.25");
        assertThat(Svg.label(-2000)).isEqualTo("-2k");
    }

    /** The sweep chart's two points at 2001.56 us and 2004.86 us: both labelled "2k" before; each label of an axis is its own now. */
    @Test
    void labelsOnOneAxisAreDistinctWhateverTheRange() throws Exception {
        Document d = parse(Svg.linePlot("t", "x", "y", List.of(new Svg.Series("s", new double[] {2001.56, 2004.86}, new double[] {1, 2}))));
        List<String> xTicks = all(d, "text").stream().filter(e -> e.getAttribute("class").equals("tick"))
                .filter(e -> e.getAttribute("text-anchor").equals("middle")).map(Element::getTextContent).toList();
        assertThat(xTicks).containsExactly("2001", "2002", "2003", "2004", "2005");
        for (double[] range : new double[][] {{0, 87}, {0, 3.2e6}, {2001.56, 2004.86}, {0.001, 0.0013}, {1_000_000, 1_000_003}, {-2500, 2500},
                {999_990, 1_000_020}, {0, 1000}}) {
            List<String> labels = Svg.Axis.of(range[0], range[1]).labels();
            assertThat(labels).as(java.util.Arrays.toString(range)).doesNotHaveDuplicates().hasSize(Svg.Axis.of(range[0], range[1]).ticks().size());
        }
        assertThat(Svg.Axis.of(0, 2.4e6).labels()).containsExactly("0", "500k", "1M", "1.5M", "2M", "2.5M");
        assertThat(Svg.Axis.of(0, 1000).labels()).containsExactly("0", "200", "400", "600", "800", "1k");
        // bar values: three significant digits unless two different values would read the same
        Document bars = parse(Svg.barChart("Simulated time per point", "us", List.of("#0", "#1", "#2"), new double[] {2001.56, 2004.86, 2004.86}));
        List<String> values = all(bars, "text").stream().filter(e -> e.getAttribute("font-size").equals("10")).map(Element::getTextContent).toList();
        assertThat(values).containsExactly("2.002k", "2.005k", "2.005k");
        assertThat(Svg.distinctLabels(new double[] {1500, 2_000_000})).containsExactly("1.5k", "2M");
    }

    @Test
    void stepsDrawEachBucketFlatAndJoinRunsOfEqualBuckets() {
        Svg.Series s = Svg.steps("s", 0, 2, new double[] {1, 1, 3, 0});
        assertThat(s.x()).containsExactly(0, 4, 4, 6, 6, 8);
        assertThat(s.y()).containsExactly(1, 1, 3, 3, 0, 0);
    }

    @Test
    void histogramHasOneBarPerBinAndItsEdgesUnderTheAxis() throws Exception {
        Document d = parse(Svg.histogram("lat", "latency", "values", List.of("1 us", "2 us", "5 us", "10 us"), new double[] {4, 0, 2}));
        List<Element> bars = all(d, "rect").stream().filter(e -> e.getAttribute("class").equals("bar")).toList();
        assertThat(bars).hasSize(3);
        assertThat(bars.get(0).getTextContent()).isEqualTo("1 us to 2 us: 4");
        assertThat(Double.parseDouble(bars.get(1).getAttribute("height"))).isZero();
        assertThat(all(d, "text").stream().map(Element::getTextContent).toList()).contains("1 us", "2 us", "5 us", "10 us", "latency", "values");
        assertThatThrownBy(() -> Svg.histogram("t", "x", "y", List.of("a"), new double[] {1})).hasMessageContaining("1 bins need 2 edges");
    }

    @Test
    void mismatchedSeriesAreRefused() {
        assertThatThrownBy(() -> new Svg.Series("s", new double[2], new double[3])).hasMessageContaining("2 x values but 3 y values");
        assertThatThrownBy(() -> Svg.barChart("t", "y", List.of("a"), new double[2])).hasMessageContaining("1 labels but 2 values");
    }

    @Test
    void aLongLegendMakesTheImageTallerSoEveryEntryIsInside() throws Exception {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            labels.add("bar " + i);
        }
        Document d = parse(Svg.barChart("many", "y", labels, new double[30]));
        double height = Double.parseDouble(d.getDocumentElement().getAttribute("height"));
        assertThat(height).isGreaterThan(Svg.HEIGHT);
        for (Element t : all(d, "text")) {
            if (t.getAttribute("class").equals("legend")) {
                assertThat(Double.parseDouble(t.getAttribute("y"))).isLessThan(height);
            }
        }
        assertThat(all(d, "text").stream().filter(t -> t.getAttribute("class").equals("legend")).count()).isEqualTo(30);
    }
}
