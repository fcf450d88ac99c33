package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.certify.NodeTree.Node;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeTreeTest {

    /** A view's stored query as PostgreSQL 15 writes it (shortened): a call of ml.f(1) and 'now'::text::timestamptz. */
    private static final String VIEW = "({QUERY :commandType 1 :utilityStmt <> :rtable ({RANGETBLENTRY :alias {ALIAS"
            + " :aliasname old :colnames <>} :eref {ALIAS :aliasname old :colnames (\"x\" \"t\")} :rtekind 0 :relid 16386"
            + " :relkind v :selectedCols (b) :insertedCols (b 8 9)}) :targetList ({TARGETENTRY :expr {FUNCEXPR :funcid 16385"
            + " :funcresulttype 1082 :args ({CONST :consttype 23 :constlen 4 :constbyval true :constisnull false :location 32"
            + " :constvalue 4 [ 1 0 0 0 0 0 0 0 ]}) :location 27} :resno 1 :resname x} {TARGETENTRY :expr {COERCEVIAIO :arg"
            + " {CONST :consttype 25 :constlen -1 :constbyval false :constisnull false :location 42 :constvalue 7 [ 28 0 0 0"
            + " 110 111 119 ]} :resulttype 1184 :location 54} :resno 2 :resname t}) :stmt_len 110})";

    @Test
    void readsNodesFieldsListsAndConstantBytes() {
        Object tree = NodeTree.parse(VIEW);
        Node query = (Node) ((List<?>) tree).get(0);
        assertEquals("QUERY", query.type());
        assertNull(query.get("utilityStmt"));
        Node rte = (Node) query.list("rtable").get(0);
        assertEquals(List.of("x", "t"), rte.node("eref").list("colnames"));
        assertEquals(List.of("b"), rte.list("selectedCols"));
        assertEquals(List.of("b", "8", "9"), rte.list("insertedCols"));
        assertEquals("v", rte.text("relkind"));
        Node call = ((Node) query.list("targetList").get(0)).node("expr");
        assertEquals(16385L, call.number("funcid", 0));
        Node one = (Node) call.list("args").get(0);
        assertEquals(4, one.datum("constvalue").length());
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, one.datum("constvalue").bytes());
        assertTrue(one.flag("constbyval"));
        assertEquals(110L, query.number("stmt_len", 0));
    }

    @Test
    void visitsEveryNodeParentsFirstInOrder() {
        List<String> types = new ArrayList<>();
        NodeTree.forEachNode(NodeTree.parse(VIEW), n -> types.add(n.type()));
        assertEquals(List.of("QUERY", "RANGETBLENTRY", "ALIAS", "ALIAS", "TARGETENTRY", "FUNCEXPR", "CONST", "TARGETENTRY",
                "COERCEVIAIO", "CONST"), types);
    }

    @Test
    void backslashesEscapeBlanksAndBracesAndAQuotedTokenIsAString() {
        Node alias = (Node) NodeTree.parse("{ALIAS :aliasname my\\ \\{odd\\}\\ view :colnames (\"a\\ b\" \"\" \\\"x)}");
        assertEquals("my {odd} view", alias.text("aliasname"));
        assertEquals(List.of("a b", "", "\"x"), alias.list("colnames"));
        Node negative = (Node) NodeTree.parse("{CONST :consttype 1082 :constisnull true :location -1 :constvalue <>}");
        assertNull(negative.datum("constvalue"));
        assertEquals(-1L, negative.number("location", 0));
        assertEquals(-7L, negative.number("missing", -7));
    }

    @Test
    void planArraysAfterOneFieldAreKeptAsAList() {
        Node sort = (Node) NodeTree.parse("{SORT :numCols 2 :sortColIdx 1 3 :nullsFirst false false}");
        assertEquals(List.of("1", "3"), sort.list("sortColIdx"));
        assertEquals("2", sort.text("numCols"));
    }

    @Test
    void malformedTreesAreRefusedNamingWhere() {
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> NodeTree.parse("({QUERY :x 1"));
        assertTrue(open.getMessage().contains("not closed"), open.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeTree.parse("{CONST x 1}"));
        assertThrows(IllegalArgumentException.class, () -> NodeTree.parse("{CONST :constvalue 4 [ 1 2"));
        assertThrows(IllegalArgumentException.class, () -> NodeTree.parse("(1) 2"));
        assertNull(NodeTree.parse(""));
        String deep = "{A :x ".repeat(200_000) + "1" + "}".repeat(200_000);
        IllegalArgumentException tooDeep = assertThrows(IllegalArgumentException.class, () -> NodeTree.parse(deep));
        assertTrue(tooDeep.getMessage().contains("nested too deeply"), tooDeep.getMessage());
    }
}
