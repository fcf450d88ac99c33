package dev.mvcert.engine.certify;

import dev.mvcert.engine.json.Json;
import dev.mvcert.engine.certify.baseline.AcceptedBaseline;
import dev.mvcert.engine.certify.baseline.BaselineItem;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Certifies one target: runs every check against its closure, records the results in the
 * history (audit.certification, audit.check_result) and publishes the outcome in the
 * registry. Checks never change a baseline. History goes through {@code history} (a
 * separate autocommit connection survives a rolled-back atomic run) and the registry through
 * the work connection, so that in an atomic run the new status is published together with
 * the data, or not at all.
 */
public final class Certification {

    private static final System.Logger LOG = System.getLogger(Certification.class.getName());

    private final Connection work;
    private final Connection history;
    private final String executor;

    public Certification(Connection work, Connection history, String executor) {
        this.work = work;
        this.history = history == null ? work : history;
        this.executor = executor;
    }

    public CertificationResult certify(String target, Long runId) throws SQLException {
        Instant started = Instant.now();
        String seen = snapshot();
        TargetRules rules = TargetRules.load(work, target);
        List<CheckResult> results = new ArrayList<>();
        DatasetHashCheck datasetHashes = new DatasetHashCheck();
        Closure closure = null;
        CheckContext context = null;
        try {
            closure = Isolated.run(work, () -> Closure.load(work, rules.target()));
        } catch (SQLException e) {
            results.add(CheckResult.fail("closure", rules.target(), "the closure cannot be read: " + Isolated.describe(e)));
        }
        if (closure != null) {
            context = new CheckContext(work, rules, closure, AcceptedBaseline.load(work, rules.target()));
            List<Check> checks = List.of(new ForbiddenDependencyCheck(), new TimeOfQueryTokenCheck(), new GatedColumnCheck(),
                    datasetHashes, new DefinitionDriftCheck(), new SqlAssertionCheck(), new StructuralCheck());
            for (Check check : checks) {
                long t0 = System.nanoTime();
                try {
                    CheckContext checked = context;
                    results.addAll(Isolated.run(work, () -> check.run(checked)));
                } catch (SQLException e) {
                    results.add(CheckResult.fail(check.name(), rules.target(), "check could not run: " + Isolated.describe(e)));
                }
                LOG.log(Level.DEBUG, () -> "certify " + rules.target() + ": " + check.name() + " took "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
        }
        long id = record(rules.target(), runId, started, results);
        CertificationStatus status = publish(id, datasetHash(datasetHashes.measured()), seen,
                context == null ? Set.of() : context.bodyFunctions());
        String staleReason = status == CertificationStatus.STALE ? staleReason(rules.target()) : null;
        Duration duration = Duration.between(started, Instant.now());
        CertificationResult result = new CertificationResult(rules.target(), id, runId, status, results, duration, staleReason);
        LOG.log(status == CertificationStatus.CERTIFIED ? Level.INFO : Level.WARNING, () -> "certification " + id + " of "
                + rules.target() + ": " + status + " in " + duration.toMillis() + " ms"
                + (result.certified() ? "" : "\n" + result.failureSummary()));
        return result;
    }

    private long record(String target, Long runId, Instant started, List<CheckResult> results) throws SQLException {
        List<Map<String, ?>> rows = new ArrayList<>();
        for (CheckResult r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("check", r.check());
            row.put("object", r.object());
            row.put("passed", r.passed());
            row.put("detail", r.detail());
            rows.add(row);
        }
        try (PreparedStatement ps = history.prepareStatement(
                "SELECT audit._record_certification(?::regclass, ?, ?, ?, ?::jsonb)")) {
            ps.setString(1, target);
            if (runId == null) {
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(2, runId);
            }
            ps.setTimestamp(3, Timestamp.from(started));
            ps.setString(4, executor);
            ps.setString(5, Json.write(rows));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * The snapshot the checks start from: publishing compares it with the changes recorded
     * against the closure, so a change committed by another session while the checks ran is
     * never published as certified.
     */
    private String snapshot() throws SQLException {
        try (PreparedStatement ps = work.prepareStatement("SELECT pg_catalog.pg_current_snapshot()::text");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String staleReason(String target) throws SQLException {
        try (PreparedStatement ps = work.prepareStatement("SELECT stale_reason FROM audit.registry WHERE target = ?")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private CertificationStatus publish(long certificationId, String datasetHash, String seen, Set<Long> bodyFunctions)
            throws SQLException {
        try (PreparedStatement ps = work.prepareStatement(
                "SELECT audit._publish_certification(?, ?, ?::pg_catalog.pg_snapshot, ?::pg_catalog.oid[])")) {
            ps.setLong(1, certificationId);
            ps.setString(2, datasetHash);
            ps.setString(3, seen);
            // an oid[] literal: PL/Java's in-database JDBC has no arrays
            ps.setString(4, bodyFunctions.stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}")));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return CertificationStatus.valueOf(rs.getString(1));
            }
        }
    }

    private static String datasetHash(List<BaselineItem> days) {
        if (days.isEmpty()) {
            return null;
        }
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            for (BaselineItem day : days) {
                md5.update((day.object() + "=" + day.rowCount() + ":" + day.hash() + ",").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JDK", e);
        }
    }
}
