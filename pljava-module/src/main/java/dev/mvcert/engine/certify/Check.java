package dev.mvcert.engine.certify;

import java.sql.SQLException;
import java.util.List;

/** One class of certification assertion; it returns one result per object it examined. */
interface Check {

    String name();

    List<CheckResult> run(CheckContext context) throws SQLException;
}
