package dev.mvcert.agent.report;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Text for the report page. Every name from the database goes through {@link #escape}: view
 * names may contain quotes, {@code <} and {@code &}. The page is written so that it is also
 * well-formed XML (every tag closed, only XML's own entities), which lets tests parse it.
 */
final class Html {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Text or attribute content: markup characters as entities, control characters (invalid in HTML and XML) replaced. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xfffe || c == 0xffff ? '\ufffd' : c);
            }
        }
        return b.toString();
    }

    /** At most {@code max} characters, shortened in the middle so both the start and the distinctive end stay. */
    static String shorten(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int head = (max - 1) / 2;
        int tail = max - 1 - head;
        return text.substring(0, head) + "\u2026" + text.substring(text.length() - tail);
    }

    static String time(Instant t) {
        return t == null ? "\u2014" : TIME.format(t);
    }

    /** "850 ms", "12.4 s", "3 min 05 s", "2 h 10 min", "3 d 4 h". */
    static String duration(Duration d) {
        if (d == null) {
            return "\u2014";
        }
        return seconds(d.toNanos() / 1e9);
    }

    static String seconds(double s) {
        if (s < 1) {
            return String.format(Locale.ROOT, "%.0f ms", s * 1000);
        }
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long whole = Math.round(s);
        if (whole < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", whole / 60, whole % 60);
        }
        if (whole < 86400) {
            return String.format(Locale.ROOT, "%d h %02d min", whole / 3600, whole % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%d d %d h", whole / 86400, whole % 86400 / 3600);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A number for SVG coordinates: one decimal, no locale surprises. */
    static String n(double v) {
        long r = Math.round(v * 10);
        return r % 10 == 0 ? Long.toString(r / 10) : String.format(Locale.ROOT, "%.1f", r / 10.0);
    }
}
