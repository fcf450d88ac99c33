package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.SqlLexer.Kind;
import dev.mvcert.engine.certify.SqlLexer.Token;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * The text PostgreSQL parsed in a probe (see audit._parse_sql_body) and where its pieces come
 * from in the function's body, so that a location in the probe's tree (a byte offset in the
 * CREATE FUNCTION statement) leads back to the literal written there and to its line in the body.
 */
final class ProbeSource implements TreeScan.Source {

    /** Text of the probe body [probeFrom, probeTo) copied from the function body at sourceFrom, or written (sourceFrom -1) for a statement starting at line. */
    private record Piece(int probeFrom, int probeTo, int sourceFrom, int line) {}

    private final String text;
    private final String body;
    private final Charset serverCharset;
    private final List<Piece> pieces;
    private int bodyOffset;

    private ProbeSource(String text, String body, Charset serverCharset, List<Piece> pieces) {
        this.text = text;
        this.body = body;
        this.serverCharset = serverCharset;
        this.pieces = pieces;
    }

    /** A body parsed as it is (a quoted SQL body). */
    static ProbeSource ofBody(String body, Charset serverCharset) {
        return new ProbeSource(body, body, serverCharset, List.of(new Piece(0, body.length(), 0, 1)));
    }

    /** PL/pgSQL statements parsed one after another, separated by {@code ;} and a newline. */
    static ProbeSource ofStatements(List<PlpgsqlBody.Statement> statements, boolean cast, String body, Charset serverCharset) {
        StringBuilder text = new StringBuilder();
        List<Piece> pieces = new ArrayList<>();
        for (PlpgsqlBody.Statement statement : statements) {
            if (text.length() > 0) {
                text.append(";\n");
            }
            List<PlpgsqlBody.Part> parts = cast || statement.uncast() == null ? statement.parts() : statement.uncast();
            for (PlpgsqlBody.Part part : parts) {
                pieces.add(new Piece(text.length(), text.length() + part.text().length(), part.from(), statement.line()));
                text.append(part.text());
            }
        }
        return new ProbeSource(text.toString(), body, serverCharset, pieces);
    }

    /** What PostgreSQL is given as the body of the probe. */
    String text() {
        return text;
    }

    /** The byte offset of this text in the statement PostgreSQL parsed (audit._parse_sql_body's body_offset). */
    void parsedAt(int bytes) {
        this.bodyOffset = bytes;
    }

    @Override
    public String literalAt(int location) {
        int at = charIndex(location);
        if (at < 0) {
            return null;
        }
        Token token = SqlLexer.firstToken(text, at);
        // E'...' and U&'...' start at their prefix, which is where the location points too
        return token != null && token.kind() == Kind.STRING && token.start() == at ? token.text() : null;
    }

    @Override
    public String lineAt(int location) {
        int at = charIndex(location);
        for (Piece piece : pieces) {
            if (at >= piece.probeFrom() && at < piece.probeTo()) {
                if (piece.sourceFrom() < 0) {
                    return " at line " + piece.line();
                }
                int offset = piece.sourceFrom() + at - piece.probeFrom();
                int line = 1;
                for (int i = 0; i < offset && i < body.length(); i++) {
                    if (body.charAt(i) == '\n') {
                        line++;
                    }
                }
                return " at line " + line;
            }
        }
        return "";
    }

    /** The character index in text of a tree location (bytes from the start of the parsed statement), or -1. */
    private int charIndex(int location) {
        if (location < 0) {
            return -1;
        }
        int bytes = location - bodyOffset;
        if (bytes < 0) {
            return -1;
        }
        int consumed = 0;
        int i = 0;
        while (i < text.length() && consumed < bytes) {
            int codePoint = text.codePointAt(i);
            int width = Character.charCount(codePoint);
            consumed += text.substring(i, i + width).getBytes(serverCharset).length;
            i += width;
        }
        return consumed == bytes && i < text.length() ? i : -1;
    }
}
