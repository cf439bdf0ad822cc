package org.lifeboat.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScorerTest {
    /** Signals of a change among 1,000 files (no compression loss unless given). */
    private static Signals sig(long modified, long deleted, long renamed, long extChanged, long notes, long ransomExt, long lost) {
        return new Signals(1000, 1000 - deleted, 0, deleted, modified, renamed, extChanged, notes, ransomExt,
                Math.max(lost, modified + renamed), lost, 0, 0, 1_000_000, 1_000_000, true, List.of());
    }

    @Test
    void anOrdinaryDayScoresZero() {
        Scorer.Score s = Scorer.score(sig(20, 2, 1, 0, 0, 0, 0), List.of(), 50);
        assertThat(s.score()).isZero();
        assertThat(s.suspicious()).isFalse();
        assertThat(s.reasons()).isEmpty();
    }

    @Test
    void encryptedRewritesAloneAreSuspicious() {
        Scorer.Score s = Scorer.score(sig(300, 0, 0, 0, 0, 0, 300), List.of(), 50);
        assertThat(s.score()).isGreaterThanOrEqualTo(90);
        assertThat(s.suspicious()).isTrue();
        assertThat(s.reasons().getFirst()).startsWith("300 of 300 rewritten files no longer compress");
        assertThat(s.parts().get("compression_loss").points()).isEqualTo(90.0);
    }

    @Test
    void oneWeakSignalAloneStaysUnderTheDefaultThreshold() {
        // a release that touches 60% of the files; a clean-up that deletes 40%; a note-like name; mass renames
        assertThat(Scorer.score(sig(600, 0, 0, 0, 0, 0, 0), List.of(), 50).suspicious()).isFalse();
        assertThat(Scorer.score(sig(0, 400, 0, 0, 0, 0, 0), List.of(), 50).suspicious()).isFalse();
        assertThat(Scorer.score(sig(0, 0, 0, 0, 1, 0, 0), List.of(), 50).score()).isEqualTo(45);
        assertThat(Scorer.score(sig(0, 0, 200, 200, 0, 0, 0), List.of(), 50).suspicious()).isFalse();
        // two of them together pass it
        assertThat(Scorer.score(sig(600, 400, 0, 0, 0, 0, 0), List.of(), 50).suspicious()).isTrue();
        assertThat(Scorer.score(sig(0, 0, 200, 200, 1, 200, 0), List.of(), 50).suspicious()).isTrue();
    }

    @Test
    void theBaselineIsLearntFromHistoryOnceLongEnough() {
        Signals busy = sig(500, 0, 0, 0, 0, 0, 0); // a system that rewrites half its files every backup
        List<Signals> history = new ArrayList<>();
        for (int i = 0; i < Scorer.MIN_HISTORY - 1; i++) history.add(busy);
        Scorer.Score early = Scorer.score(busy, history, 50);
        assertThat(early.parts().get("modified").baseline()).as("floor until enough history").isEqualTo(0.05);
        assertThat(early.parts().get("modified").points()).isEqualTo(30.0);
        history.add(busy);
        Scorer.Score learnt = Scorer.score(busy, history, 50);
        assertThat(learnt.parts().get("modified").baseline()).isEqualTo(0.5);
        assertThat(learnt.parts().get("modified").points()).as("usual for this system").isZero();
        assertThat(learnt.history()).isEqualTo(Scorer.MIN_HISTORY);
        // the baseline never goes below the floor, whatever the history
        List<Signals> quiet = new ArrayList<>();
        for (int i = 0; i < 10; i++) quiet.add(sig(0, 0, 0, 0, 0, 0, 0));
        assertThat(Scorer.score(busy, quiet, 50).parts().get("modified").baseline()).isEqualTo(0.05);
    }

    @Test
    void oneAcceptedOutlierDoesNotBlindTheSignal() {
        // brk14a B6: a false alarm cleared by removing its tag made 30% lost compression "usual"
        List<Signals> history = new ArrayList<>();
        for (int i = 0; i < 5; i++) history.add(sig(10, 0, 0, 0, 0, 0, 0));
        history.add(sig(300, 0, 0, 0, 0, 0, 300));
        Scorer.Score s = Scorer.score(sig(210, 0, 0, 0, 0, 0, 210), history, 50);
        assertThat(s.parts().get("compression_loss").baseline()).isEqualTo(0.01);
        assertThat(s.suspicious()).isTrue();
    }

    @Test
    void onlyTheNewestHistoryCounts() {
        List<Signals> history = new ArrayList<>();
        for (int i = 0; i < 100; i++) history.add(sig(i < 50 ? 900 : 0, 0, 0, 0, 0, 0, 0));
        assertThat(Scorer.score(sig(0, 0, 0, 0, 0, 0, 0), history, 50).parts().get("modified").baseline()).isEqualTo(0.05);
        assertThat(Scorer.score(sig(0, 0, 0, 0, 0, 0, 0), history, 50).history()).isEqualTo(Scorer.HISTORY);
    }

    @Test
    void thresholdsAreOneToHundredOrOff() {
        Signals attack = sig(300, 0, 0, 0, 0, 0, 300);
        assertThat(Scorer.score(attack, List.of(), 0).suspicious()).as("off").isFalse();
        assertThat(Scorer.score(attack, List.of(), 0).score()).isGreaterThanOrEqualTo(90);
        assertThat(Scorer.score(attack, List.of(), 100).suspicious()).isFalse();
        assertThatThrownBy(() -> Scorer.score(attack, List.of(), 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFirstSnapshotHasNoSharesButNotesCount() {
        Signals first = new Signals(0, 500, 500, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 9_000, true, List.of("/HOW_TO_DECRYPT.txt"));
        Scorer.Score s = Scorer.score(first, List.of(), 50);
        assertThat(s.parts().get("modified").value()).isZero();
        assertThat(s.parts().get("ransom_notes").points()).isEqualTo(45.0);
    }
}
