package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.certify.NodeTree.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClockLiteralTest {

    @Test
    void stringsRelativeToNowReadTheClockInAnyCaseSpacingAndWithATimePart() {
        for (String s : List.of("now", "NOW", " Today ", "tomorrow", "YESTERDAY", "today 12:00", "tomorrow allballs",
                "12:30:00 yesterday", "today 08:00 Europe/Berlin", "\tnow\n", "Today+02")) {
            assertTrue(ClockLiteral.readsClock(s), s);
        }
    }

    @Test
    void fixedSpecialValuesDatesAndLookAlikeWordsDoNot() {
        for (String s : List.of("epoch", "infinity", "-infinity", "allballs", "2024-03-01", "2024-03-01 12:00 UTC",
                "nowhere", "knowledge", "todays", "", "J2451187", "America/Tomorrowland")) {
            assertFalse(ClockLiteral.readsClock(s), s);
        }
        assertFalse(ClockLiteral.readsClock(null));
    }

    @Test
    void constantTextIsDecodedFromItsDatumBytes() {
        assertEquals("now", ClockLiteral.constText(constant(25, -1, "7 [ 28 0 0 0 110 111 119 ]")));
        // a short (1-byte header) varlena: size 4 -> header 4 << 1 | 1
        assertEquals("now", ClockLiteral.constText(constant(1043, -1, "4 [ 9 110 111 119 ]")));
        assertEquals("today", ClockLiteral.constText(constant(705, -2, "6 [ 116 111 100 97 121 0 ]")));
        assertEquals("now", ClockLiteral.constText(constant(2275, -2, "4 [ 110 111 119 0 ]")));
    }

    @Test
    void nonTextNullAndCompressedConstantsHaveNoText() {
        assertNull(ClockLiteral.constText(constant(23, 4, "4 [ 110 111 119 0 0 0 0 0 ]")));
        assertNull(ClockLiteral.constText((Node) NodeTree.parse(
                "{CONST :consttype 25 :constlen -1 :constisnull true :location 3 :constvalue <>}")));
        assertNull(ClockLiteral.constText(constant(25, -1, "7 [ 30 0 0 0 110 111 119 ]")));
    }

    private static Node constant(long type, int length, String datum) {
        return (Node) NodeTree.parse("{CONST :consttype " + type + " :constlen " + length + " :constisnull false"
                + " :location 0 :constvalue " + datum + "}");
    }
}
