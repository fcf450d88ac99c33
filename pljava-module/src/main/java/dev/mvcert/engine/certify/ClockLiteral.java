package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.NodeTree.Datum;
import dev.mvcert.engine.certify.NodeTree.Node;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Date/time input strings that read the clock when they are converted: {@code 'now'},
 * {@code 'today'}, {@code 'tomorrow'}, {@code 'yesterday'} in any case, with blanks around them
 * or with other fields ({@code 'today 12:00'}, {@code 'tomorrow allballs'}). PostgreSQL's
 * date/time parser lower-cases each run of letters and looks it up; these four are the
 * entries that mean "relative to now". {@code 'epoch'}, {@code 'infinity'} and
 * {@code 'allballs'} are fixed values.
 */
final class ClockLiteral {

    private static final Set<String> RELATIVE_TO_NOW = Set.of("now", "today", "tomorrow", "yesterday");
    private static final Pattern LETTERS = Pattern.compile("[a-z]+");

    /** Types whose constants hold text: text, varchar, bpchar, name, unknown, cstring. */
    private static final Set<Long> STRING_TYPES = Set.of(25L, 1043L, 1042L, 19L, 705L, 2275L);

    private ClockLiteral() {}

    /** True when converting {@code value} to a date/time type gives a value that depends on the current time. */
    static boolean readsClock(String value) {
        if (value == null) {
            return false;
        }
        Matcher word = LETTERS.matcher(value.toLowerCase(Locale.ROOT));
        while (word.find()) {
            if (RELATIVE_TO_NOW.contains(word.group())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The string a Const node of a text type holds, decoded from its datum bytes (varlena with
     * a 1- or 4-byte header, or a NUL-terminated cstring/name, as a little-endian server writes
     * them); null for NULL, non-text types, and values stored compressed.
     */
    static String constText(Node constant) {
        if (constant == null || !constant.is("CONST") || constant.flag("constisnull")
                || !STRING_TYPES.contains(constant.number("consttype", 0))) {
            return null;
        }
        Datum datum = constant.datum("constvalue");
        if (datum == null) {
            return null;
        }
        byte[] b = datum.bytes();
        long length = constant.number("constlen", 0);
        if (length == -1) {
            if (b.length == 0) {
                return null;
            }
            if ((b[0] & 0x01) == 1) {
                int size = (b[0] & 0xFF) >>> 1;
                return b[0] == 0x01 || size > b.length ? null : decode(b, 1, size);
            }
            if ((b[0] & 0x03) != 0 || b.length < 4) {
                return null;
            }
            long size = ((b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24) >>> 2;
            return size > b.length ? null : decode(b, 4, (int) size);
        }
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return decode(b, 0, end);
    }

    private static String decode(byte[] b, int from, int to) {
        return new String(Arrays.copyOfRange(b, from, to), StandardCharsets.UTF_8);
    }
}
