package dev.mvcert.agent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A libpq password file ({@code ~/.pgpass} or {@code PGPASSFILE}): lines of
 * {@code hostname:port:database:username:password}; {@code *} in any of the first four fields
 * matches anything; {@code \:} and {@code \\} escape a colon and a backslash; lines starting
 * with {@code #} are comments; the first matching line wins. As in libpq, the password ends at
 * the next unescaped colon.
 */
public final class PgPass {

    private final List<Entry> entries;

    private PgPass(List<Entry> entries) {
        this.entries = entries;
    }

    /** One line of the file. Never printed: {@link #toString()} hides the password. */
    record Entry(String host, String port, String database, String user, String password) {
        boolean matches(String h, int p, String db, String u) {
            return field(host, h) && field(port, Integer.toString(p)) && field(database, db) && field(user, u);
        }

        private static boolean field(String pattern, String value) {
            return "*".equals(pattern) || pattern.equals(value);
        }

        @Override
        public String toString() {
            return host + ":" + port + ":" + database + ":" + user + ":********";
        }
    }

    public static PgPass parse(String content) {
        List<Entry> entries = new ArrayList<>();
        for (String line : content.split("\r?\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = splitFields(line);
            if (fields.size() < 5) {
                continue; // libpq skips malformed lines too
            }
            entries.add(new Entry(fields.get(0), fields.get(1), fields.get(2), fields.get(3), fields.get(4)));
        }
        return new PgPass(entries);
    }

    /**
     * Reads the file, or returns an empty one when it does not exist or, like libpq, when its
     * permissions let group or others read it (the warning goes to {@code warnings}).
     */
    public static PgPass read(Path file, List<String> warnings) {
        if (!Files.isRegularFile(file)) {
            return new PgPass(List.of());
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                warnings.add("password file " + file + " has group or world access; permissions should be u=rw (0600) or less, so it is ignored");
                return new PgPass(List.of());
            }
        } catch (UnsupportedOperationException | IOException notPosix) {
            // no POSIX permissions to check (libpq skips the check on such systems too)
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            warnings.add("cannot read password file " + file + ": " + e.getMessage());
            return new PgPass(List.of());
        }
    }

    /** The password of the first line matching the connection, if any. */
    public Optional<String> passwordFor(String host, int port, String database, String user) {
        return entries.stream().filter(e -> e.matches(host, port, database, user)).map(Entry::password).findFirst();
    }

    int size() {
        return entries.size();
    }

    private static List<String> splitFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
            } else if (c == ':') {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }
}
