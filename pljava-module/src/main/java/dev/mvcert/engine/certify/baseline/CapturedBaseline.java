package dev.mvcert.engine.certify.baseline;

import java.util.List;

/** A recorded capture (audit.baseline_capture): not yet the baseline until accepted. */
public record CapturedBaseline(long captureId, String target, List<BaselineItem> items) {

    public CapturedBaseline {
        items = List.copyOf(items);
    }
}
