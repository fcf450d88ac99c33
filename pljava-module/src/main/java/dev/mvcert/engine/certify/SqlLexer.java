package dev.mvcert.engine.certify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits the source of an SQL or PL/pgSQL function body into tokens the way PostgreSQL's
 * scanner does, as far as certification needs: comments vanish, string literals (plain,
 * {@code E''}, dollar-quoted) become single tokens whose text is their value, unquoted
 * identifiers are folded to lower case and kept whole ({@code now_price} is one identifier,
 * never {@code now}). That is what keeps the time-of-query scan free of false alarms on
 * {@code 'now()'} strings, comments and look-alike column names.
 */
final class SqlLexer {

    enum Kind { IDENTIFIER, QUOTED_IDENTIFIER, STRING, NUMBER, PARAMETER, SYMBOL }

    /** A token: its value, the line it starts on, and where it lies in the source ({@code start} inclusive, {@code end} exclusive). */
    record Token(Kind kind, String text, int line, int start, int end) {
        Token(Kind kind, String text, int line) {
            this(kind, text, line, -1, -1);
        }

        boolean is(Kind k, String value) {
            return kind == k && text.equals(value);
        }

        boolean isSymbol(String value) {
            return is(Kind.SYMBOL, value);
        }

        boolean isWord(String value) {
            return is(Kind.IDENTIFIER, value);
        }
    }

    private final String src;
    private int pos;
    private int line = 1;

    private SqlLexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String src) {
        return new SqlLexer(src == null ? "" : src).run();
    }

    /** The first token at or after {@code from} (blanks and comments skipped), or null at the end. */
    static Token firstToken(String src, int from) {
        SqlLexer lexer = new SqlLexer(src == null ? "" : src);
        lexer.pos = Math.max(0, from);
        while (lexer.pos < lexer.src.length()) {
            int start = lexer.pos;
            Token token = lexer.next();
            if (token != null) {
                return new Token(token.kind(), token.text(), 0, start, lexer.pos);
            }
        }
        return null;
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (pos < src.length()) {
            int start = pos;
            int startLine = line;
            Token token = next();
            if (token != null) {
                tokens.add(new Token(token.kind(), token.text(), startLine, start, pos));
            }
        }
        return tokens;
    }

    /** The token at pos (advancing past it), or null for blanks and comments. */
    private Token next() {
        char c = src.charAt(pos);
        if (c == '\n') {
            line++;
            pos++;
        } else if (Character.isWhitespace(c)) {
            pos++;
        } else if (c == '-' && peek(1) == '-') {
            while (pos < src.length() && src.charAt(pos) != '\n') {
                pos++;
            }
        } else if (c == '/' && peek(1) == '*') {
            skipBlockComment();
        } else if (c == '\'') {
            return new Token(Kind.STRING, quoted('\'', false), 0);
        } else if ((c == 'E' || c == 'e') && peek(1) == '\'') {
            pos++;
            return new Token(Kind.STRING, quoted('\'', true), 0);
        } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x') && peek(1) == '\'') {
            pos++;
            return new Token(Kind.STRING, quoted('\'', false), 0);
        } else if ((c == 'U' || c == 'u') && peek(1) == '&' && peek(2) == '\'') {
            pos += 2;
            return new Token(Kind.STRING, quoted('\'', false), 0);
        } else if (c == '"') {
            return new Token(Kind.QUOTED_IDENTIFIER, quoted('"', false), 0);
        } else if (c == '$' && Character.isDigit(peek(1))) {
            int start = pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.PARAMETER, src.substring(start, pos), 0);
        } else if (c == '$' && dollarTagEnd() > 0) {
            return new Token(Kind.STRING, dollarQuoted(), 0);
        } else if (isIdentifierStart(c)) {
            int start = pos;
            while (pos < src.length() && isIdentifierPart(src.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.IDENTIFIER, src.substring(start, pos).toLowerCase(Locale.ROOT), 0);
        } else if (Character.isDigit(c)) {
            int start = pos;
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos))
                    || (src.charAt(pos) == '.' && peek(1) != '.'))) {
                pos++;
            }
            return new Token(Kind.NUMBER, src.substring(start, pos), 0);
        } else if (c == ':' && (peek(1) == ':' || peek(1) == '=')
                || c == '.' && peek(1) == '.' || c == '<' && peek(1) == '<' || c == '>' && peek(1) == '>') {
            pos += 2;
            return new Token(Kind.SYMBOL, src.substring(pos - 2, pos), 0);
        } else {
            pos++;
            return new Token(Kind.SYMBOL, String.valueOf(c), 0);
        }
        return null;
    }

    private char peek(int ahead) {
        return pos + ahead < src.length() ? src.charAt(pos + ahead) : '\0';
    }

    private void skipBlockComment() {
        int depth = 0;
        while (pos < src.length()) {
            if (src.startsWith("/*", pos)) {
                depth++;
                pos += 2;
            } else if (src.startsWith("*/", pos)) {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                if (src.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
        }
    }

    /** A quoted string or identifier starting at pos; a doubled quote is one quote character. */
    private String quoted(char quote, boolean backslashEscapes) {
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                line++;
            }
            if (backslashEscapes && c == '\\' && pos + 1 < src.length()) {
                value.append(src.charAt(pos + 1));
                pos += 2;
            } else if (c == quote && peek(1) == quote) {
                value.append(quote);
                pos += 2;
            } else if (c == quote) {
                pos++;
                return value.toString();
            } else {
                value.append(c);
                pos++;
            }
        }
        return value.toString();
    }

    /** End (exclusive) of a dollar-quote tag such as $$ or $body$ at pos, or -1. */
    private int dollarTagEnd() {
        int i = pos + 1;
        if (i < src.length() && src.charAt(i) == '$') {
            return i + 1;
        }
        if (i >= src.length() || !isIdentifierStart(src.charAt(i))) {
            return -1;
        }
        while (i < src.length() && isIdentifierPart(src.charAt(i)) && src.charAt(i) != '$') {
            i++;
        }
        return i < src.length() && src.charAt(i) == '$' ? i + 1 : -1;
    }

    private String dollarQuoted() {
        int tagEnd = dollarTagEnd();
        String tag = src.substring(pos, tagEnd);
        int close = src.indexOf(tag, tagEnd);
        int end = close < 0 ? src.length() : close;
        String value = src.substring(tagEnd, end);
        line += (int) value.chars().filter(ch -> ch == '\n').count();
        pos = close < 0 ? src.length() : close + tag.length();
        return value;
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || Character.isDigit(c) || c == '$';
    }
}
