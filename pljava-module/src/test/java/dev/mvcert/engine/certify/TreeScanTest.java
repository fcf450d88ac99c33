package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mvcert.engine.certify.TreeScan.CallSite;
import dev.mvcert.engine.certify.TreeScan.Finding;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TreeScanTest {

    private static final Map<Long, String> DATETIME = Map.of(1082L, "date", 1083L, "time without time zone",
            1114L, "timestamp without time zone", 1184L, "timestamp with time zone", 1182L, "date[]");

    private static final String DATE_TODAY = "{CONST :consttype 1082 :constlen 4 :constbyval true :constisnull false"
            + " :location 20 :constvalue 4 [ 102 38 0 0 0 0 0 0 ]}";
    private static final String DATE_EPOCH = "{CONST :consttype 1082 :constlen 4 :constbyval true :constisnull false"
            + " :location 40 :constvalue 4 [ 51 -43 -1 -1 -1 -1 -1 -1 ]}";
    private static final String TEXT_NOW = "{CONST :consttype 25 :constlen -1 :constbyval false :constisnull false"
            + " :location 60 :constvalue 7 [ 28 0 0 0 110 111 119 ]}";

    /** A body parsed just now: the literals written at locations 20, 40 and 60. */
    private static final TreeScan.Source BODY = new TreeScan.Source() {
        @Override
        public String literalAt(int location) {
            return Map.of(20, "Today", 40, "epoch", 60, "now").get(location);
        }

        @Override
        public String lineAt(int location) {
            return " at line " + (location / 20);
        }
    };

    @Test
    void clockValueFunctionsAreReadsButCurrentUserIsNot() {
        String tree = "({QUERY :targetList ({SQLVALUEFUNCTION :op 0 :type 1082 :typmod -1 :location 7}"
                + " {SQLVALUEFUNCTION :op 11 :type 19 :typmod -1 :location 9} {SQLVALUEFUNCTION :op 8 :type 1114 :typmod 3 :location 11})})";
        assertEquals(List.of(new Finding("CURRENT_DATE", 7), new Finding("LOCALTIMESTAMP(n)", 11)),
                TreeScan.scan(NodeTree.parse(tree), DATETIME, TreeScan.STORED).findings());
    }

    @Test
    void dateConstantsOfAStoredTreeAreFrozenButParsedNowTheirLiteralDecides() {
        String tree = "({OPEXPR :opno 1093 :opfuncid 1087 :opresulttype 16 :args (" + DATE_TODAY + " " + DATE_EPOCH + ")"
                + " :location 30} " + TEXT_NOW + ")";
        assertEquals(List.of(), TreeScan.scan(NodeTree.parse(tree), DATETIME, TreeScan.STORED).findings());
        assertEquals(List.of(new Finding("'Today' as a date/time value (date)", 20)),
                TreeScan.scan(NodeTree.parse(tree), DATETIME, BODY).findings());
    }

    @Test
    void textConvertedToADateAtRunTimeIsARead() {
        String tree = "({COERCEVIAIO :arg {RELABELTYPE :arg " + TEXT_NOW + " :resulttype 25} :resulttype 1184 :location 54}"
                + " {COERCEVIAIO :arg " + TEXT_NOW + " :resulttype 1700 :location 70})";
        assertEquals(List.of(new Finding("'now' converted to timestamp with time zone at run time", 54)),
                TreeScan.scan(NodeTree.parse(tree), DATETIME, TreeScan.STORED).findings());
    }

    @Test
    void callsAreRecordedByOidWithArgumentTypesAndNamedArguments() {
        String tree = "({FUNCEXPR :funcid 16385 :funcresulttype 1082 :args ({CONST :consttype 23 :constlen 4 :constisnull false"
                + " :location 5 :constvalue 4 [ 1 0 0 0 0 0 0 0 ]} {NAMEDARGEXPR :arg {VAR :varno 1 :vartype 1114}"
                + " :name asof :argnumber 2 :location 9}) :location 3}"
                + " {OPEXPR :opno 2779 :opfuncid 0 :opresulttype 25 :args ({VAR :vartype 25} {VAR :vartype 23}) :location 12}"
                + " {ROWCOMPAREEXPR :rctype 1 :opnos (o 97 1095) :args <>}"
                + " {AGGREF :aggfnoid 2147 :aggtype 20 :location 15})";
        List<CallSite> calls = TreeScan.scan(NodeTree.parse(tree), DATETIME, TreeScan.STORED).calls();
        assertEquals(new CallSite(16385, 0, List.of(23L, 1114L), 1, Set.of(2), null, 3), calls.get(0));
        assertEquals(new CallSite(0, 2779, List.of(25L, 23L), -1, Set.of(), null, 12), calls.get(1));
        assertEquals(List.of(97L, 1095L), calls.subList(2, 4).stream().map(CallSite::operator).toList());
        assertEquals(2147L, calls.get(4).function());
    }

    @Test
    void theFirstStringArgumentOfACallIsKept() {
        String tree = "{FUNCEXPR :funcid 1084 :funcresulttype 1082 :args ({CONST :consttype 2275 :constlen -2"
                + " :constisnull false :location 9 :constvalue 6 [ 116 111 100 97 121 0 ]}) :location 1}";
        assertEquals("today", TreeScan.scan(NodeTree.parse(tree), DATETIME, TreeScan.STORED).calls().get(0).firstArgumentText());
    }
}
