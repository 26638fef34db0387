package dev.gvsim.machine.report;

import java.util.Base64;
import java.util.List;

/**
 * A self-contained HTML page for the reports: inline CSS, inline SVG plots ({@link Svg}), PNG images as
 * {@code data:} URIs; no script, no font or style fetched from anywhere, so it reads without a network.
 * All text is escaped with {@link Svg#esc}.
 */
public final class Html {
    private static final String CSS = """
            body{font-family:sans-serif;margin:2em;max-width:72em;color:#222}
            h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1em}
            table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
            th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f2f2f2}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            .outcome{font-size:1.1em;font-weight:bold;padding:.5em;border-left:4px solid #0072b2;background:#f4f8fb}
            .pass{color:#006400;font-weight:bold}.fail{color:#b00000;font-weight:bold}
            svg.plot{display:block;margin:.5em 0}img.scanout{border:1px solid #888;max-width:100%;image-rendering:pixelated}
            .note{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
            """;

    private final String title;
    private final StringBuilder body = new StringBuilder();

    public Html(String title) {
        this.title = title;
        body.append("<h1>").append(Svg.esc(title)).append("</h1>\n");
    }

    public Html h2(String text) {
        body.append("<h2>").append(Svg.esc(text)).append("</h2>\n");
        return this;
    }

    public Html h3(String text) {
        body.append("<h3>").append(Svg.esc(text)).append("</h3>\n");
        return this;
    }

    public Html p(String text) {
        return p(null, text);
    }

    /** A paragraph with a CSS class ({@code outcome}, {@code note}, {@code pass}, {@code fail}) or none. */
    public Html p(String cssClass, String text) {
        body.append(cssClass == null ? "<p>" : "<p class=\"" + Svg.esc(cssClass) + "\">").append(Svg.esc(text)).append("</p>\n");
        return this;
    }

    /** A table; numbers are right-aligned, a Boolean shows as PASS/FAIL. */
    public Html table(List<String> header, List<List<Object>> rows) {
        body.append("<table>\n<tr>");
        for (String h : header) {
            body.append("<th>").append(Svg.esc(h)).append("</th>");
        }
        body.append("</tr>\n");
        for (List<Object> row : rows) {
            body.append("<tr>");
            for (Object c : row) {
                if (c instanceof Boolean b) {
                    body.append(b ? "<td class=\"pass\">PASS</td>" : "<td class=\"fail\">FAIL</td>");
                } else if (c instanceof Number n) {
                    body.append("<td class=\"num\">").append(Svg.esc(String.valueOf(n))).append("</td>");
                } else {
                    body.append("<td>").append(Svg.esc(c == null ? "" : String.valueOf(c))).append("</td>");
                }
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Preformatted text (a PCI tree, a command line). */
    public Html pre(String text) {
        body.append("<pre>").append(Svg.esc(text)).append("</pre>\n");
        return this;
    }

    /** An SVG made by {@link Svg} (already escaped), inlined. */
    public Html svg(String svg) {
        body.append(svg);
        return this;
    }

    /** A PNG image embedded as a {@code data:} URI. */
    public Html png(String alt, byte[] png) {
        body.append("<figure><img class=\"scanout\" alt=\"").append(Svg.esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>").append(Svg.esc(alt)).append("</figcaption></figure>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + Svg.esc(title) + "</title>\n<style>\n" + CSS
                + "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
    }
}
