package org.lifeboat.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RansomNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"HOW_TO_DECRYPT.txt", "How-To-Restore-Files.html", "README_TO_DECRYPT.txt", "_readme.txt",
            "Restore-My-Files.txt", "DECRYPT_INSTRUCTIONS.TXT", "#README.hta", "YOUR_FILES_ARE_ENCRYPTED.txt",
            "ransom_note.txt", "RECOVER-FILES.txt", "how_to_back_files.html", "HOW_TO_DECRYPT_FILES.txt",
            "HOW_TO_RECOVER_YOUR_DATA.txt", "How-To-Unlock.txt"})
    void ransomNotesAreKnown(String name) {
        assertThat(RansomNames.isNote(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"README.txt", "readme.md", "README", "notes.txt", "restore.sh", "how_to_build.txt",
            "decrypt.py", "INSTALL.txt", "recovery-plan.md", "files.txt", "CHANGES.html", "how-to-get-started.html",
            "how-to-restore.html", "how_to_back_up.txt", "how-to-recover-a-deleted-branch.html"})
    void ordinaryFilesAreNotNotes(String name) {
        assertThat(RansomNames.isNote(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"report.docx.locked", "a.txt.encrypted", "photo.jpg.LOCKBIT", "x.wncry", "db.sql.akira"})
    void ransomExtensionsAreKnown(String name) {
        assertThat(RansomNames.hasRansomExtension(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Main.java", "yarn.lock", "Cargo.lock", "backup.enc", "game.play", "notes", ".locked", "a.txt"})
    void ordinaryExtensionsAreNot(String name) {
        assertThat(RansomNames.hasRansomExtension(name)).isFalse();
    }
}
